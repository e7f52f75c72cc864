"""PAD and PADV2 (int8, int16): firmware/src/ops/op_pad.c.

TFLM (pad_common.cc PadPrepare, pad.cc PadEval, reference_ops::Pad): constant int32 paddings, one
(before, after) pair per dimension, each output dimension the input's plus both; the values are
copied, not requantised. The pad value is PADV2's constant as stored (for int8 TFLM wants it in the
output's quantisation), else the output zero point for int8 and 0 for int16. Negative paddings (a
crop) are refused, and so is MIRROR_PAD (REFLECT / SYMMETRIC), another op the runtime lacks."""

from __future__ import annotations

import struct

import numpy as np

from hil.compile.ops import DataWriter, OpCode, OpSpec, register
from hil.compile.ops.common import need
from hil.compile.ops.tflm_prepare import per_tensor_q
from hil.compile.tflite import Graph, Op, Tensor
from hil.errors import ModelError

Axis = tuple[int, int, int]  # extent, padding before, padding after


def _paddings(op: Op, g: Graph, inp: Tensor, out: Tensor) -> list[Axis]:
    pads = g.tensor(op.inputs[1])
    rank = len(out.shape)
    if pads is None or not pads.is_const or pads.dtype != "int32":
        got = "none" if pads is None else f"{'a constant' if pads.is_const else 'a computed'} {pads.dtype} tensor"
        raise ModelError(f"{op.where()}: wanted constant int32 paddings (TFLM reads them at Prepare), got {got}")
    values = np.asarray(pads.data, dtype=np.int64).reshape(-1)
    if len(inp.shape) != rank or values.size != 2 * rank:
        raise ModelError(f"{op.where()}: wanted one (before, after) pair per dimension of {list(out.shape)}, "
                         f"got {values.size} paddings for input {list(inp.shape)}")  # fmt: skip
    pairs = values.reshape(rank, 2).tolist()
    if min(values.tolist(), default=0) < 0:
        raise ModelError(f"{op.where()}: wanted paddings >= 0, got {pairs} (a negative padding crops)")
    for axis, ((before, after), d_in, d_out) in enumerate(zip(pairs, inp.shape, out.shape)):
        if d_in + before + after != d_out:
            raise ModelError(f"{op.where()}: wanted output dimension {axis} = {d_in} + {before} + {after}, "
                             f"got {d_out}")  # fmt: skip
    return [(int(d), int(b), int(a)) for d, (b, a) in zip(inp.shape, pairs)]


def _pad_value(op: Op, g: Graph, inp: Tensor, out: Tensor) -> int:
    if len(op.inputs) < 3 or op.inputs[2] < 0:
        return int(out.zero_point[0]) if inp.dtype == "int8" else 0
    value = need(op, g, op.inputs[2], (inp.dtype,), const=True)
    if value.data.size != 1:
        raise ModelError(f"{op.where()}: wanted one constant pad value, got {value.data.size}")
    if inp.dtype == "int8" and per_tensor_q(op, value) != per_tensor_q(op, out):
        raise ModelError(f"{op.where()}: wanted the pad value in the output's quantisation (TFLM requires it), "
                         f"got {per_tensor_q(op, value)} for {per_tensor_q(op, out)}")  # fmt: skip
    return int(np.asarray(value.data).reshape(-1)[0])


def merge_axes(op: Op, axes: list[Axis]) -> list[Axis]:
    """Four axes, outermost first: unit axes without padding dropped, an axis without padding merged
    into the axis outside it (the copies get longer), leading (1, 0, 0) axes added."""
    merged: list[Axis] = []
    for d, b, a in reversed([x for x in axes if x != (1, 0, 0)]):
        if merged and merged[-1][1:] == (0, 0):
            inner = merged.pop()[0]
            d, b, a = d * inner, b * inner, a * inner
        merged.append((d, b, a))
    if len(merged) > 4:
        raise ModelError(f"{op.where()}: needs {len(merged)} dimensions after merging axes; the runtime pads 4")
    return [(1, 0, 0)] * (4 - len(merged)) + merged[::-1]


@register("PAD", "PADV2", inputs=(2, 3))
def pad(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp = need(op, g, op.inputs[0], ("int8", "int16"), const=False)
    out = need(op, g, op.outputs[0], (inp.dtype,))
    if per_tensor_q(op, inp) != per_tensor_q(op, out):
        raise ModelError(f"{op.where()}: wanted the input's quantisation on the output (TFLM's {op.name} copies "
                         f"values), got {per_tensor_q(op, inp)} -> {per_tensor_q(op, out)}")  # fmt: skip
    axes = merge_axes(op, _paddings(op, g, inp, out))
    value = _pad_value(op, g, inp, out)
    params = struct.pack("<13i", *(a[0] for a in axes), *(a[1] for a in axes), *(a[2] for a in axes), value)
    return OpSpec(OpCode.PAD, [op.inputs[0]], [op.outputs[0]], params)
