"""TFLM's Prepare-time arithmetic where it is not plain QuantizeMultiplier: the int32 cast of
LOGISTIC/TANH's multiplier, the input radius, the float32 log2 check, FloatToQuantizedType, float32
multipliers, the int16 multiplier of HARD_SWISH and RESIZE_NEAREST_NEIGHBOR's source indices, each
reproduced bit for bit (x86 TFLM, which hil's golden reference runs); and the 256-entry tables of int8 ops
that are a function of one value (LEAKY_RELU, RELU and QUANTIZE's requantisation)."""

from __future__ import annotations

import math

import numpy as np

from hil.quant.fixed import QRANGE, requantize, round_half_away, round_half_away_int


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


def f32_ratio_multiplier(*factors: float, divisor: float) -> float:
    """A figure TFLM computes in float32 (and widens to double): the product of factors, then / divisor
    (HARD_SWISH: hires_input_scale = 1/128 * input_scale, hires_input_scale / output_scale)."""
    value = np.float32(1.0)
    for f in factors:
        value = np.float32(value * np.float32(f))
    return float(np.float32(value / np.float32(divisor)))


def downscale_multiplier_int16(multiplier: int) -> int:
    """DownScaleInt32ToInt16Multiplier: a Q31 multiplier rounded to Q15, saturating at INT16_MAX."""
    if multiplier >= (1 << 31) - 1 - (1 << 15):
        return (1 << 15) - 1
    return (multiplier + (1 << 15)) >> 16


def nearest_neighbor_map(in_size: int, out_size: int, align_corners: bool, half_pixel_centers: bool) -> np.ndarray:
    """GetNearestNeighbor for every output index: TFLM's float32 scale and offset, rounded half away from
    zero (align_corners) or floored, clamped to the input."""
    if align_corners and out_size > 1:
        scale = np.float32(in_size - 1) / np.float32(out_size - 1)
    else:
        scale = np.float32(in_size) / np.float32(out_size)
    offset = np.float32(0.5 if half_pixel_centers else 0.0)
    pos = (np.arange(out_size, dtype=np.float32) + offset) * np.float32(scale)
    index = round_half_away(pos) if align_corners else np.floor(pos)
    index = np.minimum(index.astype(np.int64), in_size - 1)
    return np.maximum(index, 0) if half_pixel_centers else index


def leaky_relu_table(z_in: int, z_out: int, identity: tuple[int, int], alpha: tuple[int, int]) -> np.ndarray:
    """reference_ops::QuantizeLeakyRelu<int8_t> for inputs -128..127: a negative alpha multiplier requantises
    by its magnitude and negates the result (identity, alpha: (multiplier, shift))."""
    v = np.arange(-128, 128, dtype=np.int64) - z_in
    scaled = requantize(v, abs(alpha[0]), alpha[1])
    y = np.where(v >= 0, requantize(v, *identity), -scaled if alpha[0] < 0 else scaled) + z_out
    return np.clip(y, -128, 127).astype(np.int8)


def requant_table_s8(z_in: int, z_out: int, rescale: tuple[int, int], clamp: tuple[int, int]) -> np.ndarray:
    """ReluQuantized / Requantize<int8_t, int8_t> for inputs -128..127 (hil_requantize_s8_s8): the input less
    its zero point, requantised (rescale: multiplier, shift), plus the output zero point, clamped."""
    y = requantize(np.arange(-128, 128, dtype=np.int64) - z_in, *rescale) + z_out
    return np.clip(y, *clamp).astype(np.int8)
