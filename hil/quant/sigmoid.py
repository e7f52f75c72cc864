"""TFLM's int8 LOGISTIC and TANH, bit for bit: gemmlowp's fixed-point logistic and tanh (qmath_ext.h, the
firmware's reference kernels) on all 256 inputs, so that the board's optimised path only looks them up.

Arrays are int64 holding int32 values; every sum that wraps in the C code is wrapped here (wrap32), every
division truncates toward zero as C's does."""

from __future__ import annotations

import numpy as np

from hil.quant.fixed import requantize, rounding_divide, wrap32

_MIN, _MAX = -(1 << 31), (1 << 31) - 1


def _trunc_div(q: np.ndarray, exponent: int) -> np.ndarray:
    """q / 2^exponent rounded toward zero."""
    return np.where(q >= 0, q >> exponent, -((-q) >> exponent))


def srdhm(a: np.ndarray, b) -> np.ndarray:
    """Saturating rounding doubling high multiply (hil_sat_rounding_doubling_high_mul)."""
    a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
    ab = a * b
    out = _trunc_div(ab + np.where(ab >= 0, 1 << 30, 1 - (1 << 30)), 31)
    return np.where((a == _MIN) & (b == _MIN), _MAX, out)


def _sat_shl(x: np.ndarray, exponent: int) -> np.ndarray:
    threshold = (1 << (31 - exponent)) - 1
    return np.where(x > threshold, _MAX, np.where(x < -threshold, _MIN, wrap32(x << exponent)))


def _rescale(x: np.ndarray, src_bits: int, dst_bits: int) -> np.ndarray:
    exponent = src_bits - dst_bits
    if exponent > 0:
        return _sat_shl(x, exponent)
    return rounding_divide(x, -exponent) if exponent < 0 else x


def _exp_on_interval(a: np.ndarray) -> np.ndarray:
    """exp(a) for a Q0.31 a in [-1/4, 0) (hil_fp_exp_on_interval_neg_quarter_to_0)."""
    constant_term, one_third = 1895147668, 715827883
    x = wrap32(a + (1 << 28))
    x2 = srdhm(x, x)
    x3, x4 = srdhm(x2, x), srdhm(x2, x2)
    poly = rounding_divide(wrap32(srdhm(wrap32(rounding_divide(x4, 2) + x3), one_third) + x2), 1)
    return wrap32(constant_term + srdhm(constant_term, wrap32(x + poly)))


_BARREL = (1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242)  # exp(-1/4) .. exp(-16)


def exp_on_negative_values(a: np.ndarray, integer_bits: int) -> np.ndarray:
    """exp(a) as Q0.31 for a Q(IB).(31-IB) a <= 0 (hil_fp_exp_on_negative_values)."""
    fractional_bits = 31 - integer_bits
    one_quarter = 1 << (fractional_bits - 2)
    shifted = wrap32((a & (one_quarter - 1)) - one_quarter)
    result = _exp_on_interval(_rescale(shifted, integer_bits, 0))
    remainder = wrap32(shifted - a)
    for exponent in range(-2, 5):
        if integer_bits > exponent:
            hit = (remainder & (1 << (fractional_bits + exponent))) != 0
            result = np.where(hit, srdhm(result, _BARREL[exponent + 2]), result)
    if integer_bits > 5:
        result = np.where(a < -(1 << (36 - integer_bits)), 0, result)
    return np.where(a == 0, _MAX, result)


def _newton_reciprocal_q2(half_denominator: np.ndarray) -> np.ndarray:
    x = wrap32(1515870810 + srdhm(half_denominator, -1010580540))
    for _ in range(3):
        one_minus = wrap32((1 << 29) - srdhm(half_denominator, x))
        x = wrap32(x + _rescale(srdhm(x, one_minus), 4, 2))
    return x


def _half_sum_with_one(a: np.ndarray) -> np.ndarray:
    """gemmlowp RoundingHalfSum(a, one)."""
    total = a + _MAX
    return _trunc_div(total + np.where(total >= 0, 1, -1), 1)


def logistic(a: np.ndarray, integer_bits: int) -> np.ndarray:
    """gemmlowp logistic(a) as Q0.31 (hil_fp_logistic)."""
    a = np.asarray(a, np.int64)
    neg_abs = np.where(a > 0, wrap32(-a), a)
    positive = _rescale(_newton_reciprocal_q2(_half_sum_with_one(exp_on_negative_values(neg_abs, integer_bits))), 1, 0)
    return np.where(a == 0, 1 << 30, np.where(a > 0, positive, wrap32(_MAX - positive)))


def tanh(a: np.ndarray, integer_bits: int) -> np.ndarray:
    """gemmlowp tanh(a) as Q0.31 (hil_fp_tanh)."""
    a = np.asarray(a, np.int64)
    n = np.where(a < 0, a, wrap32(-a))
    recip = _newton_reciprocal_q2(_half_sum_with_one(exp_on_negative_values(n, integer_bits + 1)))
    t = _rescale(wrap32(recip - (1 << 29)), 2, 0)
    return np.where(a == 0, 0, np.where(a < 0, wrap32(-t), t))


def sigmoid_table_s8(kind: str, zero_point: int, radius: int, multiplier: int, shift: int) -> np.ndarray:
    """reference_integer_ops::Logistic / Tanh (int8) for inputs -128..127 (hil_logistic_s8, hil_tanh_s8):
    inputs beyond the radius saturate, the others go to Q4.27 and through gemmlowp's function."""
    x = np.arange(-128, 128, dtype=np.int64) - zero_point
    fp, bits, offset = (logistic, 8, -128) if kind == "LOGISTIC" else (tanh, 7, 0)
    inside = np.clip(x, -radius + 1, radius - 1) if radius > 0 else np.zeros_like(x)
    y = np.clip(rounding_divide(fp(requantize(inside, multiplier, shift), 4), 31 - bits) + offset, -128, 127)
    y = np.where(x <= -radius, -128, np.where(x >= radius, 127, y))
    return y.astype(np.int8)


def logistic_table(params: tuple[int, int, int, int]) -> np.ndarray:
    """int8 LOGISTIC's outputs for inputs -128..127; params (input zero point, input range radius,
    multiplier, shift) as hil/compile/ops/activations.py computes them (TFLM's Prepare)."""
    return sigmoid_table_s8("LOGISTIC", *params)


def tanh_table(params: tuple[int, int, int, int]) -> np.ndarray:
    """int8 TANH's outputs for inputs -128..127 (params as for logistic_table)."""
    return sigmoid_table_s8("TANH", *params)
