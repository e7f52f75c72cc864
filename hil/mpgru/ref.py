"""The MP-GRU step in numpy, bit-exact with firmware/src/kernels/mp_gru_s8.c.

Integers only; every array is int64 holding int32 values, wrapped to 32 bits where the
C kernel's int32 arithmetic wraps. With R(v, name) TFLite's MultiplyByQuantizedMultiplier
by the layer's multiplier and shift `name`, rd(v) rounding v / 2^FRAC_BITS half away from
zero, sat_b(v) clamping to [-2^(b-1), 2^(b-1) - 1] and x' = x - x_zp:

  z_pre = sat(rd(R(x'.W_z, x_z) + R(h.U_z, h_z) + R(b_z, b_z)))     z = LUT_z[z_pre]   (r alike)
  u     = R(h.U_h, h_u) + R(b_h_rec, b_hrec)                         rh = sat(R(r * u, r_u))
  h_pre = sat(rd(R(x'.W_h, x_h) + R(rh, rh_h) + R(b_h_in, b_hin)))   hc = LUT_h[h_pre]
  d     = R(h, h_d) - R(hc, hh_d)                                    zh = sat(R(z * d, z_d))
  h'    = sat(rd(R(hc, hh_h) + R(zh, v_h)))

Dot products are exact (int32 cannot overflow for the sizes the compiler admits).
`run_sequences` runs a batch of sequences; `step` one step of a batch."""

from __future__ import annotations

import numpy as np

from hil.mpgru.quant import FRAC_BITS, LayerQ
from hil.quant import requantize, rounding_divide, saturate, wrap32

def _dot(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Exact integer a @ w.T through float64 BLAS (every partial sum is far below 2^53)."""
    return (a.astype(np.float64) @ w.T.astype(np.float64)).astype(np.int64)


def step(q: LayerQ, x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """One step for a batch: x int8 (N, I) in the input's quantisation, h (N, H) state -> new state (N, H)."""
    B, R = q.bits, lambda v, name: requantize(v, *q.m(name))
    xc = np.asarray(x, np.int64) - q.x_zp
    h = np.asarray(h, np.int64)
    pre = {}
    for g in "zr":
        acc = wrap32(R(_dot(xc, q.W[g]), f"x_{g}") + R(_dot(h, q.U[g]), f"h_{g}") + R(q.b[g].astype(np.int64), f"b_{g}"))
        pre[g] = saturate(rounding_divide(acc, FRAC_BITS), B[f"{g}_pre"]) + (1 << (B[f"{g}_pre"] - 1))
    z = q.lut_z[pre["z"]].astype(np.int64)
    r = q.lut_r[pre["r"]].astype(np.int64)
    u = wrap32(R(_dot(h, q.U["h"]), "h_u") + R(q.b["h_rec"].astype(np.int64), "b_hrec"))
    rh = saturate(R(wrap32(r * u), "r_u"), B["rh"])
    acc = wrap32(R(_dot(xc, q.W["h"]), "x_h") + R(rh, "rh_h") + R(q.b["h_in"].astype(np.int64), "b_hin"))
    h_pre = saturate(rounding_divide(acc, FRAC_BITS), B["h_pre"]) + (1 << (B["h_pre"] - 1))
    hc = q.lut_h[h_pre].astype(np.int64)
    d = wrap32(R(h, "h_d") - R(hc, "hh_d"))
    zh = saturate(R(wrap32(z * d), "z_d"), B["zh"])
    return saturate(rounding_divide(wrap32(R(hc, "hh_h") + R(zh, "v_h")), FRAC_BITS), B["h"]).astype(np.int8)


def run_sequences(q: LayerQ, x: np.ndarray, h0: np.ndarray | None = None) -> np.ndarray:
    """A batch of sequences: x int8 (N, T, I) -> the states after every step, int8 (N, T, H).
    h0: (N, H) initial states (default zeros)."""
    x = np.asarray(x)
    n, t, _ = x.shape
    h = np.zeros((n, q.units), np.int64) if h0 is None else np.asarray(h0, np.int64)
    out = np.empty((n, t, q.units), np.int8)
    for i in range(t):
        h = step(q, x[:, i], h)
        out[:, i] = h
    return out


def dequantize_state(q: LayerQ, h: np.ndarray) -> np.ndarray:
    return np.asarray(h, np.float64) * q.h_scale
