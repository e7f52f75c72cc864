"""The numpy reference of HIL_GATED_CONV, bit for bit with its kernels (firmware/src/kernels/gated_conv_s8*.c).

A frame computes the gate head, then only the kept channels: their expansion rows, depthwise filters and
projection columns. The history holds the last (K-1) d frames of u, a pruned channel's u as u's zero point
(the value 0), in a ring the way the board keeps it: slot `pos` holds the oldest frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hil.gconv.block import BlockQ, add_rescales, rescales
from hil.quant import requantize, requantize_channels, wrap32


@dataclass(frozen=True)
class History:
    rows: np.ndarray  # int8 [(K-1) d, M]
    pos: int  # the slot of the oldest frame

    @classmethod
    def zeros(cls, q: BlockQ) -> "History":
        return cls(np.full((q.history_frames, q.mid), q.u_q[1], np.int8), 0)


def _fc(x: np.ndarray, zp: int, w: np.ndarray, b: np.ndarray, rq, out_zp: int, relu: bool) -> np.ndarray:
    acc = wrap32(w.astype(np.int64) @ (x.astype(np.int64) - zp) + b.astype(np.int64))
    y = requantize_channels(acc, *rq) + out_zp
    return np.clip(y, out_zp if relu else -128, 127)


def gate(q: BlockQ, x: np.ndarray) -> np.ndarray:
    """The keep mask (bool [M]) of a frame's block input x (int8 [C])."""
    if q.open:
        return np.ones(q.mid, bool)
    z = _fc(x, q.x_q[1], q.wg1, q.bg1, rescales(q)["gate"], q.z_q[1], relu=True)
    logits = wrap32(q.wg2.astype(np.int64) @ (z - q.z_q[1]) + q.bg2.astype(np.int64))
    return logits > 0


def residual(q: BlockQ, x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """TFLite's int8 ADD of x and p into y's quantisation."""
    (m1, s1), (m2, s2), (mo, so) = add_rescales(q.x_q[0], q.p_q[0], q.y_q[0])
    a = requantize((x.astype(np.int64) - q.x_q[1]) << 20, m1, s1)
    b = requantize((p.astype(np.int64) - q.p_q[1]) << 20, m2, s2)
    return np.clip(requantize(wrap32(a + b), mo, so) + q.y_q[1], -128, 127).astype(np.int8)


def step(q: BlockQ, x: np.ndarray, hist: History, keep: np.ndarray | None = None):
    """One frame: (y int8 [C], keep bool [M], the next history). keep overrides the gate head (tests)."""
    rq = rescales(q)
    keep = gate(q, x) if keep is None else np.asarray(keep, bool)
    kept = np.flatnonzero(keep)
    (uz, vz), f, d = (q.u_q[1], q.v_q[1]), q.history_frames, q.dilation
    u = np.full(q.mid, uz, np.int64)
    u[kept] = _fc(x, q.x_q[1], q.w1[kept], q.b1[kept], (rq["expand"][0][kept], rq["expand"][1][kept]), uz, True)
    taps = [hist.rows[(hist.pos + k * d) % f].astype(np.int64) for k in range(q.kernel - 1)] + [u]
    window = np.stack(taps)[:, kept] - uz  # [K, kept]
    acc = wrap32((q.wd[:, kept].astype(np.int64) * window).sum(axis=0) + q.bd[kept])
    v = np.clip(requantize_channels(acc, rq["depthwise"][0][kept], rq["depthwise"][1][kept]) + vz, vz, 127)
    acc = wrap32((v - vz) @ q.w2t[kept].astype(np.int64) + q.b2.astype(np.int64))
    p = np.clip(requantize_channels(acc, *rq["project"]) + q.p_q[1], -128, 127)
    rows = hist.rows.copy()
    rows[hist.pos] = u.astype(np.int8)
    return residual(q, x, p), keep, History(rows, (hist.pos + 1) % f)


def run_frames(q: BlockQ, x: np.ndarray, keep: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Frames x (T, C) int8 from a zero history: (y (T, C) int8, keep (T, M) bool)."""
    hist, ys, keeps = History.zeros(q), [], []
    for t in range(len(x)):
        y, k, hist = step(q, x[t], hist, None if keep is None else keep[t])
        ys.append(y)
        keeps.append(k)
    return np.array(ys, np.int8), np.array(keeps, bool)
