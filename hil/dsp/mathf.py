"""The board's own float32 functions in numpy, bit for bit: hil_ln_f32 (ln.c), hil_exp_f32 (exp.c) and
hil_stft_round_sat (chain.c). Plain IEEE float32 steps, no libm on either side."""

from __future__ import annotations

import numpy as np

F = np.float32
_HALF = F(0.5)
_LN2 = F(0.693147182)
_LN_POLY = tuple(F(c) for c in (2 / 9, 2 / 7, 2 / 5, 2 / 3, 2.0))
_SQRT2_BITS = 0x3FB504F3
_INV_LN2, _LN2_HI, _LN2_LO = F(1.44269502), F(0.693145752), F(1.42860677e-06)
_EXP_POLY = tuple(F(c) for c in (1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 0.5, 1.0, 1.0))


def ln_f32(x: np.ndarray) -> np.ndarray:
    """hil_ln_f32: exponent from the bits, mantissa in [sqrt(1/2), sqrt(2)), 2 atanh(s) to s^9."""
    u = np.asarray(x, F).view(np.uint32)
    e = (u >> 23).astype(np.int32) - 127
    mbits = (u & 0x007FFFFF) | 0x3F800000
    big = mbits > _SQRT2_BITS
    m = np.where(big, mbits - 0x00800000, mbits).astype(np.uint32).view(F)
    e = e + big
    s = (m - F(1)) / (m + F(1))
    s2 = s * s
    p = _LN_POLY[0]
    for c in _LN_POLY[1:]:
        p = p * s2 + c
    return e.astype(F) * _LN2 + s * p


def exp_f32(y: np.ndarray) -> np.ndarray:
    """hil_exp_f32: y clamped to [-87, 88] (NaN -> -87), y = k ln2 + r, Taylor to r^7, times 2^k."""
    y = np.asarray(y, F)
    y = np.where(y > F(-87), y, F(-87))
    y = np.where(y > F(88), F(88), y)
    kf = y * _INV_LN2
    k = np.trunc(np.where(kf >= F(0), kf + _HALF, kf - _HALF)).astype(np.int32)
    kk = k.astype(F)
    r = (y - kk * _LN2_HI) - kk * _LN2_LO
    p = _EXP_POLY[0]
    for c in _EXP_POLY[1:]:
        p = p * r + c
    scale = ((k + 127).astype(np.uint32) << 23).view(F)
    return p * scale


def round_sat(v: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """hil_stft_round_sat: round half away from zero, saturate to [lo, hi] (NaN -> hi), int32."""
    v = np.asarray(v, F)
    inside = (v < F(hi)) & (v > F(lo))
    safe = np.where(inside, v, F(0))
    i = np.trunc(safe)
    frac = safe - i
    r = i.astype(np.int32) + (frac >= _HALF) - (frac <= -_HALF)
    return np.where(~(v < F(hi)), hi, np.where(~(v > F(lo)), lo, r)).astype(np.int32)
