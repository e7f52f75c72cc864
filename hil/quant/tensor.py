"""Whole tensors between real values and a quantisation (scale, zero point, integer type).

`float_dtype` says in which precision the division or product runs: float64 where hil mirrors the
converter's reference, float32 where it mirrors a kernel that computes in float32 (TFLite's QUANTIZE
and DEQUANTIZE); the callers name the one they mirror, and results are bit-exact with it.
"""

from __future__ import annotations

import numpy as np

from hil.quant.fixed import quantize_multiplier, requantize, round_half_away


def _limits(dtype) -> tuple[int, int]:
    info = np.iinfo(np.dtype(dtype))
    return int(info.min), int(info.max)


def quantize(x, scale: float, zero_point: int, dtype, float_dtype=np.float64) -> np.ndarray:
    """round_half_away(x / scale) + zero_point, saturated to `dtype`; unquantised (scale 0): a cast."""
    if not scale:
        return np.asarray(x, dtype)
    lo, hi = _limits(dtype)
    q = round_half_away(np.asarray(x, float_dtype) / float_dtype(scale)) + zero_point
    return np.clip(q, lo, hi).astype(dtype)


def dequantize(q, scale: float, zero_point: int, float_dtype=np.float32) -> np.ndarray:
    """(q - zero_point) * scale as float32; unquantised (scale 0): a cast."""
    if not scale:
        return np.asarray(q, np.float32)
    return ((np.asarray(q, float_dtype) - zero_point) * float_dtype(scale)).astype(np.float32)


def requantize_float(q, from_scale: float, from_zp: int, to_scale: float, to_zp: int, dtype) -> np.ndarray:
    """Values of one quantisation in another, through float64 real values (round half away, saturate):
    the real-valued ideal that requantize_state's integer arithmetic approximates within 1 LSB."""
    real = (np.asarray(q, np.float64) - from_zp) * from_scale
    lo, hi = _limits(dtype)
    return np.clip(round_half_away(real / to_scale) + to_zp, lo, hi).astype(dtype)


def requantize_int(q, multiplier: int, shift: int, from_zp: int, to_zp: int, dtype=np.int8) -> np.ndarray:
    """The board's integer requantisation: sat(to_zp + hil_requantize(q - from_zp, multiplier, shift))."""
    lo, hi = _limits(dtype)
    y = requantize(np.asarray(q).astype(np.int64) - from_zp, multiplier, shift) + to_zp
    return np.clip(y, lo, hi).astype(dtype)


def requantize_state(q, from_scale: float, from_zp: int, to_scale: float, to_zp: int, dtype) -> np.ndarray:
    """A recurrent state carried from its output's quantisation to its input's, as the board does it
    (firmware/src/dsp/stream.c): requantize_int with QuantizeMultiplier(from_scale / to_scale)."""
    multiplier, shift = quantize_multiplier(float(from_scale) / float(to_scale))
    return requantize_int(q, multiplier, shift, from_zp, to_zp, dtype)


def quantize_for(x, spec, float_dtype=np.float64) -> np.ndarray:
    """quantize() into the quantisation of `spec` (anything with scale, zero_point and dtype)."""
    return quantize(x, spec.scale, spec.zero_point, spec.dtype, float_dtype)


def dequantize_for(q, spec, float_dtype=np.float64) -> np.ndarray:
    """dequantize() from the quantisation of `spec` (anything with scale and zero_point)."""
    return dequantize(q, spec.scale, spec.zero_point, float_dtype)
