"""TFLite's fixed-point arithmetic on the host, bit for bit with firmware/include/hil/qmath.h.

Arrays are int64 holding int32 values, wrapped to 32 bits where the C code's int32 arithmetic wraps.
"""

from __future__ import annotations

import math

import numpy as np

QRANGE = {"int8": (-128, 127), "int16": (-32768, 32767), "uint8": (0, 255), "int32": (-(2**31), 2**31 - 1)}
_M32 = (1 << 32) - 1


def round_half_away_int(x: float) -> int:
    """TfLiteRound / std::round on a double: half away from zero."""
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def round_half_away(x: np.ndarray | float) -> np.ndarray:
    """Round to nearest, ties away from zero (TFLite's rounding), in float64."""
    x = np.asarray(x, dtype=np.float64)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """QuantizeMultiplier as TFLM builds it by default (double rounding): real = q * 2^shift with
    q a Q31 in [2^30, 2^31). Unlike the single-rounding build it does not saturate shifts above 30;
    callers reject shifts their kernels cannot take."""
    if real == 0.0:
        return 0, 0
    fraction, shift = math.frexp(real)
    q = round_half_away_int(fraction * (1 << 31))
    if q == 1 << 31:
        q //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return q, shift


def wrap32(v: np.ndarray) -> np.ndarray:
    """int64 values wrapped to int32, as C's int32 arithmetic wraps."""
    return ((v + (1 << 31)) & _M32) - (1 << 31)


def rounding_divide(x: np.ndarray, exponent: int) -> np.ndarray:
    """hil_rounding_divide_by_pot: x / 2^exponent rounded half away from zero."""
    mask = (1 << exponent) - 1
    threshold = (mask >> 1) + (x < 0)
    return (x >> exponent) + ((x & mask) > threshold)


def high_mul(a: np.ndarray, b: np.ndarray | int) -> np.ndarray:
    """hil_sat_rounding_doubling_high_mul (gemmlowp SaturatingRoundingDoublingHighMul) on int32 values."""
    a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
    ab = a * b
    q = ab + np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    hi = np.where(q >= 0, q >> 31, -((-q) >> 31))  # C division truncates toward zero
    return np.where((a == b) & (a == -(1 << 31)), (1 << 31) - 1, hi)


def requantize(x: np.ndarray, multiplier: int, shift: int) -> np.ndarray:
    """hil_requantize (TFLite MultiplyByQuantizedMultiplier, double rounding) on int32 values."""
    left, right = max(shift, 0), max(-shift, 0)
    return rounding_divide(high_mul(wrap32(np.asarray(x, np.int64) << left), multiplier), right)


def requantize_channels(x: np.ndarray, multiplier: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """requantize with a (multiplier, shift) per element of the last axis (per-channel rescales)."""
    shift = np.asarray(shift, np.int64)
    left, right = np.maximum(shift, 0), np.maximum(-shift, 0)
    return rounding_divide(high_mul(wrap32(np.asarray(x, np.int64) << left), np.asarray(multiplier, np.int64)), right)


def saturate(v: np.ndarray, bits: int) -> np.ndarray:
    """Clamp to the signed range of `bits` bits."""
    return np.clip(v, -(1 << (bits - 1)), (1 << (bits - 1)) - 1)
