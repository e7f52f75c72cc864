"""One gated residual block in int8: the numbers HIL_GATED_CONV computes with (docs/dyncp.md).

    z = relu(Wg1 x' + bg1)                gate head, R values
    keep_c = (Wg2 z' + bg2)_c > 0         the int32 gate logit of channel c against 0: a binary gate
    u_c = relu(W1 x' + b1)_c  (kept c)    pointwise expansion, M channels; pruned channels are 0 (u's zp)
    v_c = relu(sum_k Wd[k,c] u_c[t - (K-1-k) d]' + bd_c)  (kept c)   causal dilated depthwise conv
    p = W2 v' + b2                        pointwise projection over the kept channels' columns
    y = x + p                             TFLite's int8 ADD

x' is x minus its zero point (likewise z', u', v'); every sum is int32, every rescale TFLite's
MultiplyByQuantizedMultiplier with the multiplier TFLM's Prepare makes from the scales (per output
channel for the four matrices, symmetric int8 weights, int32 biases at input scale x weight scale)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hil.quant import quantize_multiplier

LEFT_SHIFT = 20  # TFLite's int8 ADD


@dataclass(frozen=True)
class BlockQ:
    """Scales are floats as a TFLite model stores them (float32); (scale, zero point) pairs per activation."""

    kernel: int
    dilation: int
    x_q: tuple[float, int]  # block input
    z_q: tuple[float, int]  # gate head hidden (ReLU)
    u_q: tuple[float, int]  # expansion output (ReLU); the history holds u
    v_q: tuple[float, int]  # depthwise output (ReLU)
    p_q: tuple[float, int]  # projection output
    y_q: tuple[float, int]  # block output
    wg1: np.ndarray  # int8 [R, C]
    wg1_scale: np.ndarray  # [R]
    bg1: np.ndarray  # int32 [R]
    wg2: np.ndarray  # int8 [M, R]
    wg2_scale: np.ndarray  # [M] (the logit's sign is all the gate uses: scales do not enter the integer block)
    bg2: np.ndarray  # int32 [M]
    w1: np.ndarray  # int8 [M, C]
    w1_scale: np.ndarray
    b1: np.ndarray
    wd: np.ndarray  # int8 [K, M]
    wd_scale: np.ndarray  # [M]
    bd: np.ndarray
    w2t: np.ndarray  # int8 [M, C]: the projection transposed, a kept channel's column is a row
    w2_scale: np.ndarray  # [C]
    b2: np.ndarray
    open: bool = False  # a static block: every channel kept, the gate head not run

    @property
    def channels(self) -> int:
        return int(self.w1.shape[1])

    @property
    def mid(self) -> int:
        return int(self.w1.shape[0])

    @property
    def gate_dim(self) -> int:
        return int(self.wg1.shape[0])

    @property
    def history_frames(self) -> int:
        return (self.kernel - 1) * self.dilation

    def macs(self, kept: int) -> int:
        """MACs of one frame with `kept` channels: the gate head (unless open), the rest per kept channel."""
        c, m, r = self.channels, self.mid, self.gate_dim
        return (0 if self.open else r * c + m * r) + kept * (c + self.kernel + c)


def channel_rescales(in_scale: float, w_scales: np.ndarray, out_scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Per channel (multiplier, shift) of in_scale * w_scale / out_scale in double, as TFLM's Prepare."""
    pairs = [quantize_multiplier(float(np.float32(in_scale)) * float(np.float32(s)) / float(np.float32(out_scale)))
             for s in np.asarray(w_scales).reshape(-1)]  # fmt: skip
    return np.array([p[0] for p in pairs], np.int64), np.array([p[1] for p in pairs], np.int64)


def add_rescales(s1: float, s2: float, so: float) -> tuple[tuple[int, int], ...]:
    """((m1, s1), (m2, s2), (mo, so)) of TFLite's int8 ADD (CalculateOpDataAdd, in double)."""
    s1, s2, so = (float(np.float32(s)) for s in (s1, s2, so))
    twice_max = 2 * max(s1, s2)
    return tuple(quantize_multiplier(r) for r in (s1 / twice_max, s2 / twice_max, twice_max / ((1 << LEFT_SHIFT) * so)))


def rescales(q: BlockQ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The block's four per-channel rescales by stage: gate (R), expand (M), depthwise (M), project (C)."""
    return {
        "gate": channel_rescales(q.x_q[0], q.wg1_scale, q.z_q[0]),
        "expand": channel_rescales(q.x_q[0], q.w1_scale, q.u_q[0]),
        "depthwise": channel_rescales(q.u_q[0], q.wd_scale, q.v_q[0]),
        "project": channel_rescales(q.v_q[0], q.w2_scale, q.p_q[0]),
    }


def symmetric_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int8 rows, float32 scale per row): symmetric, max |w| of a row at 127 (an all-zero row at scale 1)."""
    peak = np.abs(w).max(axis=1)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    return np.clip(np.round(w / scale[:, None]), -127, 127).astype(np.int8), scale


def quantize_gate(head, x_scale: float, z_max: float) -> dict:
    """BlockQ's gate-head fields from float weights head = (Wg1 [R, C], bg1, Wg2 [M, R], bg2), the block
    input's scale and the largest hidden value seen in calibration: z at scale z_max / 255, zero point -128
    (ReLU), biases at input scale x weight scale."""
    wg1, bg1, wg2, bg2 = (np.asarray(a, np.float64) for a in head)
    z_scale = float(np.float32(max(z_max, 1e-6) / 255.0))
    q1, s1 = symmetric_rows(wg1)
    q2, s2 = symmetric_rows(wg2)
    b1 = np.round(bg1 / (float(np.float32(x_scale)) * s1.astype(np.float64)))
    b2 = np.round(bg2 / (z_scale * s2.astype(np.float64)))
    clip = lambda b: np.clip(b, -(1 << 24), 1 << 24).astype(np.int32)  # noqa: E731
    return {"z_q": (z_scale, -128), "wg1": q1, "wg1_scale": s1, "bg1": clip(b1), "wg2": q2, "wg2_scale": s2,
            "bg2": clip(b2)}  # fmt: skip
