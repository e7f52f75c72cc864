"""FULLY_CONNECTED (int8): firmware/src/ops/op_fully_connected.c."""

from __future__ import annotations

import struct

import numpy as np

from hil.compile.ops import DataWriter, OpCode, OpSpec, register
from hil.compile.ops.common import activation_range, channel_multipliers, need, per_tensor
from hil.compile.tflite import Graph, Op
from hil.errors import ModelError


@register("FULLY_CONNECTED")
def fully_connected(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp = need(op, g, op.inputs[0], ("int8",), const=False)
    weights = need(op, g, op.inputs[1], ("int8",), const=True)
    out = need(op, g, op.outputs[0], ("int8",))
    bias = g.tensor(op.inputs[2]) if len(op.inputs) > 2 else None
    if bias is not None and (bias.dtype != "int32" or not bias.is_const):
        raise ModelError(f"{op.where()}: bias must be a constant int32 tensor, got {bias.dtype}")
    if len(weights.shape) != 2:
        raise ModelError(f"{op.where()}: weights must be 2-D, got shape {weights.shape}")
    out_dim, in_dim = weights.shape
    if int(np.prod(inp.shape)) % in_dim:
        raise ModelError(f"{op.where()}: input shape {inp.shape} does not divide into rows of {in_dim}")
    if np.any(weights.zero_point != 0):
        raise ModelError(f"{op.where()}: weights must be symmetric (zero point 0)")
    in_scale, in_zp = per_tensor(op, inp)
    per_tensor(op, out)
    mult, shift = channel_multipliers(op, inp, weights, out, out_dim)
    lo, hi = activation_range(op, op.options.fusedActivationFunction, out)
    b = bias.data.astype(np.int64) if bias is not None else np.zeros(out_dim, np.int64)
    folded = b + (-in_zp) * weights.data.astype(np.int64).sum(axis=1)
    params = struct.pack(
        "<iiiiIII", -in_zp, int(out.zero_point[0]), lo, hi,
        data.add(mult), data.add(shift), data.add(folded.astype("<i4")),
    )  # fmt: skip
    batches = int(np.prod(inp.shape)) // in_dim
    return OpSpec(OpCode.FULLY_CONNECTED, [op.inputs[0], op.inputs[1], bias.index if bias else -1],
                  [op.outputs[0]], params, macs=batches * in_dim * out_dim)  # fmt: skip
