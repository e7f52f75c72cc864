"""TFLM's Prepare arithmetic for the element-wise ops, reproduced on the host bit for bit.

Each function names the TFLM routine it mirrors (tensorflow/lite/micro/kernels/...,
internal/quantization_util.cc). Where TFLM computes in float32 rather than double
(SUB's multipliers, LUT-free int16 activations' log2 checks, RELU6's six) the
arithmetic here is float32 too."""

from __future__ import annotations

import struct

import numpy as np

from hil.quant import QRANGE, quantize_multiplier
from hil.compile.tflite import Op, Tensor
from hil.errors import ModelError

QMIN = {k: v[0] for k, v in QRANGE.items()}
QMAX = {k: v[1] for k, v in QRANGE.items()}
ELEM_BYTES = {"int8": 1, "int16": 2, "float32": 4, "int32": 4, "uint8": 1, "int64": 8, "bool": 1}


def quantize_multiplier_smaller_than_one(op: Op, real: float) -> tuple[int, int]:
    """QuantizeMultiplierSmallerThanOneExp: TFLM checks 0 < real < 1."""
    if not 0.0 < real < 1.0:
        raise ModelError(f"{op.where()}: rescale factor {real:g} is outside (0, 1); TFLM rejects this quantisation")
    return quantize_multiplier(real)


def per_tensor_q(op: Op, t: Tensor) -> tuple[float, int]:
    """(scale as float32 widened to double, zero point) of a per-tensor quantised tensor."""
    if t.scale.size != 1 or t.zero_point.size != 1:
        raise ModelError(f"{op.where()}: tensor {t.name!r} must be quantised per tensor")
    return float(np.float32(t.scale[0])), int(t.zero_point[0])


def const_ints(op: Op, t: Tensor | None, what: str) -> list[int]:
    """The values of a constant int32/int64 input (axis, begin, sizes...)."""
    if t is None or not t.is_const or t.dtype not in ("int32", "int64"):
        raise ModelError(f"{op.where()}: the {what} must be a constant int32 tensor")
    return [int(v) for v in np.asarray(t.data).reshape(-1)]


def c_strides(shape: tuple[int, ...]) -> list[int]:
    strides, step = [], 1
    for d in reversed(shape):
        strides.append(step)
        step *= int(d)
    return strides[::-1]


def merge_axes(dims: list[int], *strides: list[int]) -> tuple[list[int], list[list[int]]]:
    """Drop unit axes and merge neighbours that every stride list walks contiguously."""
    out_d: list[int] = []
    out_s: list[list[int]] = [[] for _ in strides]
    for i, d in enumerate(dims):
        if d == 1:
            continue
        if out_d and all(s_out[-1] == s[i] * d for s_out, s in zip(out_s, strides)):
            out_d[-1] *= d
            for s_out, s in zip(out_s, strides):
                s_out[-1] = s[i]
            continue
        out_d.append(d)
        for s_out, s in zip(out_s, strides):
            s_out.append(s[i])
    return out_d, out_s


def pad4(op: Op, dims: list[int], strides: list[list[int]]) -> tuple[list[int], list[list[int]]]:
    if len(dims) > 4:
        raise ModelError(f"{op.where()}: needs {len(dims)} dimensions after merging axes; the runtime handles 4")
    pad = 4 - len(dims)
    return [1] * pad + dims, [[0] * pad + s for s in strides]


def broadcast(op: Op, a: tuple[int, ...], b: tuple[int, ...], out: tuple[int, ...]) -> bytes:
    """hil_broadcast_t for out = f(a, b) with numpy/TFLite broadcasting (ProcessBroadcastShapes)."""
    try:
        shape = np.broadcast_shapes(tuple(a), tuple(b))
    except ValueError:
        raise ModelError(f"{op.where()}: shapes {a} and {b} do not broadcast") from None
    if int(np.prod(shape, dtype=np.int64)) != int(np.prod(out, dtype=np.int64)):
        raise ModelError(f"{op.where()}: output shape {out} is not the broadcast of {a} and {b}")
    n = len(shape)
    strides = []
    for s in (a, b):
        padded = (1,) * (n - len(s)) + tuple(s)
        st = c_strides(padded)
        strides.append([0 if padded[i] == 1 else st[i] for i in range(n)])
    dims, (s1, s2) = pad4(op, *merge_axes(list(shape), *strides))
    return struct.pack("<12i", *dims, *s1, *s2)
