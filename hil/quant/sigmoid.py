"""TFLM's int8 LOGISTIC and TANH (reference_integer_ops::Logistic / Tanh), bit for bit, as 256-entry
tables: gemmlowp's fixed-point logistic and tanh on Q4.27 inputs, as firmware/include/hil/qmath_ext.h
computes them. Arrays are int64 holding int32 values; additions wrap as the C code's do.

The fused GRU step (hil/compile/ops/gru_step.py) stores these tables; the board checks each against
its own kernel on all 256 inputs when it loads the model."""

from __future__ import annotations

import numpy as np

from hil.quant.fixed import high_mul, requantize, rounding_divide, wrap32

_MAX = (1 << 31) - 1
_MIN = -(1 << 31)
# exp(-1/4), exp(-1/2), exp(-1), exp(-2), exp(-4), exp(-8), exp(-16) in Q0.31
_BARREL = (1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242)


def _sat_shl(x: np.ndarray, exponent: int) -> np.ndarray:
    """SaturatingRoundingMultiplyByPOT with a positive exponent."""
    threshold = (1 << (31 - exponent)) - 1
    return np.where(x > threshold, _MAX, np.where(x < -threshold, _MIN, wrap32(x << exponent)))


def _rescale(x: np.ndarray, src_bits: int, dst_bits: int) -> np.ndarray:
    exponent = src_bits - dst_bits
    if exponent > 0:
        return _sat_shl(x, exponent)
    return rounding_divide(x, -exponent) if exponent < 0 else x


def _half_sum(a: np.ndarray, b: int) -> np.ndarray:
    """RoundingHalfSum: (a + b) / 2 rounded half away from zero (C division truncates)."""
    total = a + b
    total = total + np.where(total >= 0, 1, -1)
    return np.where(total >= 0, total // 2, -((-total) // 2))


def _exp_quarter(a: np.ndarray) -> np.ndarray:
    """exp(a) for a Q0.31 a in [-1/4, 0): Taylor expansion around -1/8."""
    constant, third = 1895147668, 715827883
    x = wrap32(a + (1 << 28))
    x2 = high_mul(x, x)
    x3, x4 = high_mul(x2, x), high_mul(x2, x2)
    poly = rounding_divide(wrap32(high_mul(wrap32(rounding_divide(x4, 2) + x3), third) + x2), 1)
    return wrap32(constant + high_mul(constant, wrap32(x + poly)))


def _exp_negative(a: np.ndarray, integer_bits: int) -> np.ndarray:
    """exp(a) as Q0.31 for a Q(integer_bits) a <= 0 (exp_on_negative_values)."""
    fractional_bits = 31 - integer_bits
    quarter = 1 << (fractional_bits - 2)
    a_mod = wrap32((a & (quarter - 1)) - quarter)
    result = _exp_quarter(_rescale(a_mod, integer_bits, 0))
    remainder = wrap32(a_mod - a)
    for exponent in range(-2, 5):
        if integer_bits > exponent:
            bit = (remainder >> (fractional_bits + exponent)) & 1
            result = np.where(bit == 1, high_mul(result, _BARREL[exponent + 2]), result)
    if integer_bits > 5:
        result = np.where(a < -(1 << (36 - integer_bits)), 0, result)
    return np.where(a == 0, _MAX, result)


def _reciprocal_q2(half_denominator: np.ndarray) -> np.ndarray:
    """Three Newton-Raphson steps: the Q2.29 estimate of 1 / half_denominator."""
    x = wrap32(1515870810 + high_mul(half_denominator, -1010580540))
    for _ in range(3):
        one_minus = wrap32((1 << 29) - high_mul(half_denominator, x))
        x = wrap32(x + _rescale(high_mul(x, one_minus), 4, 2))
    return x


def _logistic(a: np.ndarray, integer_bits: int) -> np.ndarray:
    magnitude = np.where(a > 0, a, wrap32(-a))
    positive = _rescale(_reciprocal_q2(_half_sum(_exp_negative(wrap32(-magnitude), integer_bits), _MAX)), 1, 0)
    return np.where(a == 0, 1 << 30, np.where(a > 0, positive, wrap32(_MAX - positive)))


def _tanh(a: np.ndarray, integer_bits: int) -> np.ndarray:
    negative = np.where(a < 0, a, wrap32(-a))
    t = _rescale(wrap32(_reciprocal_q2(_half_sum(_exp_negative(negative, integer_bits + 1), _MAX)) - (1 << 29)), 2, 0)
    return np.where(a == 0, 0, np.where(a < 0, wrap32(-t), t))


def _table(params: tuple[int, int, int, int], function, bits: int, offset: int) -> np.ndarray:
    zero_point, radius, multiplier, shift = params
    x = np.arange(-128, 128, dtype=np.int64) - zero_point
    y = rounding_divide(function(requantize(x, multiplier, shift), 4), 31 - bits) + offset
    y = np.where(x <= -radius, -128, np.where(x >= radius, 127, y))
    return np.clip(y, -128, 127).astype(np.int8)


def logistic_table(params: tuple[int, int, int, int]) -> np.ndarray:
    """int8 LOGISTIC's outputs for inputs -128..127; params (input zero point, input range radius,
    multiplier, shift) as hil/compile/ops/activations.py computes them (TFLM's Prepare)."""
    return _table(params, _logistic, 8, -128)


def tanh_table(params: tuple[int, int, int, int]) -> np.ndarray:
    """int8 TANH's outputs for inputs -128..127 (params as for logistic_table)."""
    return _table(params, _tanh, 7, 0)
