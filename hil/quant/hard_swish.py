"""TFLM's int8 HARD_SWISH, bit for bit: its Prepare (hard_swish_common.cc) and its reference kernel
(reference_ops::HardSwish) evaluated for all 256 inputs, so the board only looks the result up.

The kernel works in int16 gemmlowp fixed point; the helpers below reproduce its int16 arithmetic,
including how C++ narrows intermediate values to int16 (a mask of more than 15 bits in
RoundingDivideByPOT, the output zero point added in int16) on inputs of any quantisation."""

from __future__ import annotations

import numpy as np

from hil.quant.fixed import quantize_multiplier
from hil.quant.tflm import downscale_multiplier_int16, f32_ratio_multiplier

_RELUISH_SCALE = float(np.float32(3.0) / np.float32(32768.0))


def _i16(v: np.ndarray) -> np.ndarray:
    """int64 values narrowed to int16 as C++ narrows them (two's complement wrap)."""
    return ((np.asarray(v, np.int64) + (1 << 15)) & 0xFFFF) - (1 << 15)


def _srdhm16(a: np.ndarray, b: int) -> np.ndarray:
    """gemmlowp SaturatingRoundingDoublingHighMul on int16."""
    ab = a * b
    nudge = np.where(ab >= 0, 1 << 14, 1 - (1 << 14))
    q = ab + nudge
    out = _i16(np.where(q >= 0, q >> 15, -((-q) >> 15)))  # C division truncates toward zero
    return np.where((a == b) & (a == -(1 << 15)), (1 << 15) - 1, out)


def _sdhm16(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """SaturatingDoublingHighMul (rounding toward zero) on int16."""
    ab = a * b
    out = _i16(np.where(ab >= 0, ab >> 15, -((-ab) >> 15)))
    return np.where((a == b) & (a == -(1 << 15)), (1 << 15) - 1, out)


def _rdbpot16(x: np.ndarray, exponent: int) -> np.ndarray:
    """gemmlowp RoundingDivideByPOT on int16: the mask (2^e - 1) narrowed to int16 as the template does."""
    mask = int(_i16(np.int64((1 << exponent) - 1)))
    remainder = x & mask
    threshold = _i16((mask >> 1) + (x < 0))
    return _i16((x >> exponent) + (remainder > threshold))


def _sat_shl16(x: np.ndarray, amount: int) -> np.ndarray:
    return np.clip(x * (1 << amount), -(1 << 15), (1 << 15) - 1)


def hard_swish_params(s_in: float, s_out: float) -> tuple[int, int, int, int]:
    """HardSwishPrepare: (output multiplier Q15, its exponent, reluish multiplier Q15, its exponent)."""
    hires = f32_ratio_multiplier(1.0 / 128.0, s_in, divisor=1.0)
    out_m, out_e = quantize_multiplier(f32_ratio_multiplier(hires, divisor=s_out))
    relu_m, relu_e = quantize_multiplier(f32_ratio_multiplier(hires, divisor=_RELUISH_SCALE))
    return downscale_multiplier_int16(out_m), out_e, downscale_multiplier_int16(relu_m), relu_e


def hard_swish_table(z_in: int, z_out: int, params: tuple[int, int, int, int]) -> np.ndarray:
    """y for x = -128..127 (int8), as reference_ops::HardSwish<int8_t> computes it."""
    out_m, out_e, relu_m, relu_e = params
    hires = _i16((np.arange(-128, 128, dtype=np.int64) - z_in) * (1 << 7))
    preshift = _srdhm16(hires, out_m)
    reluish = _sat_shl16(hires, relu_e - 1) if relu_e > 0 else hires
    reluish = _srdhm16(reluish, relu_m)
    if relu_e > 0:
        reluish = _sat_shl16(reluish, 1)
    elif relu_e < 0:
        reluish = _rdbpot16(reluish, -relu_e)
    reluish = (reluish + (1 << 15)) >> 1
    y = _i16(_rdbpot16(_sdhm16(reluish, preshift), -out_e) + z_out)
    return np.clip(y, -128, 127).astype(np.int8)
