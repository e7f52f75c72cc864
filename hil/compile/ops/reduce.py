"""MEAN and REDUCE_MAX (int8, int16) over any axes: firmware/src/ops/op_{mean,reduce_max}.c.

TFLM (reduce_common.cc, reference reduce.h QuantizedMeanOrSum): the int32 sum
minus zero_point * count, requantised by input_scale / output_scale with
1/count folded into the multiplier. Older TFLM sources divide the sum instead
when input and output quantisation are equal; the TFLM this lab tests against
requantises in that case too (tests/test_ops_elementwise.py checks it). REDUCE_MAX (EvalMaxHelper)
takes the largest raw value and requires input and output quantised alike."""

from __future__ import annotations

import struct

import numpy as np

from hil.compile.ops import DataWriter, OpCode, OpSpec, register
from hil.compile.ops.common import need
from hil.compile.ops.tflm_prepare import c_strides, const_ints, merge_axes, pad4, per_tensor_q
from hil.quant import quantize_multiplier
from hil.compile.tflite import Graph, Op, Tensor
from hil.errors import ModelError


def _walk(op: Op, g: Graph, inp: Tensor, out: Tensor) -> tuple[list[int], int]:
    """The reduction walk over op's constant axes (hil_reduce_walk_t: output dims and input strides,
    reduced dims and strides, each merged and padded to 4) and the number of values per output."""
    shape, n = [int(d) for d in inp.shape], len(inp.shape)
    axes = []
    for a in const_ints(op, g.tensor(op.inputs[1]), "axis"):
        if not -n <= a < n:
            raise ModelError(f"{op.where()}: axis {a} is out of range for {n} dimensions")
        a = a + n if a < 0 else a
        if a not in axes:
            axes.append(a)
    strides = c_strides(tuple(shape))
    kept = [k for k in range(n) if k not in axes]
    red = sorted(axes)
    out_dims, (out_strides,) = pad4(op, *merge_axes([shape[k] for k in kept], [strides[k] for k in kept]))
    red_dims, (red_strides,) = pad4(op, *merge_axes([shape[k] for k in red], [strides[k] for k in red]))
    count = int(np.prod([shape[k] for k in red], dtype=np.int64))
    if count <= 0 or int(np.prod(out_dims)) != int(np.prod(out.shape, dtype=np.int64)):
        raise ModelError(f"{op.where()}: cannot reduce {inp.shape} over {axes} into {out.shape}")
    return [*out_dims, *out_strides, *red_dims, *red_strides], count


@register("MEAN", inputs=2)
def mean(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp = need(op, g, op.inputs[0], ("int8", "int16"), const=False)
    out = need(op, g, op.outputs[0], (inp.dtype,))
    (s_in, z_in), (s_out, z_out) = per_tensor_q(op, inp), per_tensor_q(op, out)
    walk, count = _walk(op, g, inp, out)
    multiplier, shift = quantize_multiplier(s_in / s_out)
    fold = min(count.bit_length() - 1, 32, 31 + shift)  # 1/count into the multiplier, as QuantizedMeanOrSum
    multiplier = (multiplier << fold) // count
    shift -= fold
    params = struct.pack("<21i", *walk, count, multiplier, shift, z_in, z_out)
    return OpSpec(OpCode.MEAN, [op.inputs[0]], [op.outputs[0]], params)


@register("REDUCE_MAX", inputs=2)
def reduce_max(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp = need(op, g, op.inputs[0], ("int8", "int16"), const=False)
    out = need(op, g, op.outputs[0], (inp.dtype,))
    if per_tensor_q(op, inp) != per_tensor_q(op, out):
        raise ModelError(f"{op.where()}: input and output are quantised differently; TFLM's REDUCE_MAX "
                         "requires them alike")  # fmt: skip
    walk, _ = _walk(op, g, inp, out)
    return OpSpec(OpCode.REDUCE_MAX, [op.inputs[0]], [op.outputs[0]], struct.pack("<16i", *walk))
