"""TFLM's Prepare-time arithmetic where it is not plain QuantizeMultiplier: the int32 cast of
LOGISTIC/TANH's multiplier, the input radius, the float32 log2 check and FloatToQuantizedType, each
reproduced bit for bit (x86 TFLM, which hil's golden reference runs)."""

from __future__ import annotations

import math

import numpy as np

from hil.quant.fixed import QRANGE, round_half_away_int


def frexp_multiplier(real: float) -> tuple[int, int]:
    """The multiplier LOGISTIC/TANH Prepare makes with std::frexp and a plain cast to int32."""
    fraction, shift = math.frexp(real)
    q = round_half_away_int(fraction * (1 << 31))
    if q >= 1 << 31:  # static_cast<int32_t>(2^31.0) is INT32_MIN on the x86 build TFLM's Python runs
        q -= 1 << 32
    return q, shift


def calculate_input_radius(input_integer_bits: int, input_left_shift: int, total_signed_bits: int = 31) -> int:
    """CalculateInputRadius (floating-point build): floor((2^ib - 1) * 2^(tsb - ib) / 2^shift)."""
    value = ((1 << input_integer_bits) - 1) * float(1 << (total_signed_bits - input_integer_bits))
    return math.floor(value / math.ldexp(1.0, input_left_shift))


def checked_log2(x: float) -> tuple[bool, int]:
    """CheckedLog2 in float32: (|log2 x - round| < 1e-3, round(log2 x))."""
    x32 = np.float32(x)
    log2 = np.float32(np.log(x32)) * (np.float32(1.0) / np.float32(np.log(np.float32(2.0))))
    rounded = np.float32(round_half_away_int(float(log2)))
    return bool(abs(np.float32(log2 - rounded)) < np.float32(1e-3)), int(rounded)


def f32_round_quantize(value: float, scale: float, zero_point: int, dtype: str) -> int:
    """FloatToQuantizedType<T>: round(value / scale) (float32 division) + zero point, clamped."""
    q = round_half_away_int(float(np.float32(value) / np.float32(scale))) + zero_point
    return min(max(q, QRANGE[dtype][0]), QRANGE[dtype][1])
