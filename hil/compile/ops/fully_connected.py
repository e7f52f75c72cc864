"""FULLY_CONNECTED, int8 and 16x8 (int16 activations): firmware/src/ops/op_fully_connected.c."""

from __future__ import annotations

import struct

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from hil.compile.ops import DataWriter, OpCode, OpSpec, register
from hil.compile.ops.common import activation_range, channel_multipliers, need, per_tensor
from hil.quant import quantize_multiplier
from hil.compile.ops.mac import activation_types, check_shifts, fc_scratch_bytes, folded_bias, mac_bias, requant_table
from hil.compile.tflite import Graph, Op
from hil.errors import ModelError

@register("FULLY_CONNECTED", inputs=(2, 3), options=schema.FullyConnectedOptionsT, options_required=True)
def fully_connected(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp, out, dtype = activation_types(op, g)
    weights = need(op, g, op.inputs[1], ("int8",), const=True)
    if len(weights.shape) != 2 or 0 in weights.shape:
        raise ModelError(f"{op.where()}: weights must be 2-D and not empty, got shape {weights.shape}")
    out_dim, in_dim = weights.shape
    bias = mac_bias(op, g, op.inputs[2], dtype, out_dim) if len(op.inputs) > 2 else None
    if int(np.prod(inp.shape)) % in_dim:
        raise ModelError(f"{op.where()}: input shape {inp.shape} does not divide into rows of {in_dim}")
    if np.any(weights.zero_point != 0):
        raise ModelError(f"{op.where()}: weights must be symmetric (zero point 0)")
    in_scale, in_zp = per_tensor(op, inp)
    out_scale, _ = per_tensor(op, out)
    if weights.scale.size == 1:
        # TFLM's per-tensor path (GetQuantizedConvolutionMultipler) multiplies the scales in float32.
        real = float(np.float32(in_scale) * np.float32(weights.scale[0])) / out_scale
        q, s = quantize_multiplier(real)
        mult, shift = np.full(out_dim, q, dtype="<i4"), np.full(out_dim, s, dtype="<i4")
    else:
        mult, shift = channel_multipliers(op, inp, weights, out, out_dim)
    check_shifts(op, dtype, mult, shift)
    lo, hi = activation_range(op, op.options.fusedActivationFunction, out)
    folded_offset = requant_offset = 0
    if dtype == "int8":
        folded_offset = data.add(folded_bias(bias, weights.data, -in_zp))
        requant_offset = requant_table(data, mult, shift)
    params = struct.pack(
        "<iiiiIIII", -in_zp, int(out.zero_point[0]), lo, hi, data.add(mult), data.add(shift), folded_offset,
        requant_offset,
    )  # fmt: skip
    batches = int(np.prod(inp.shape)) // in_dim
    return OpSpec(OpCode.FULLY_CONNECTED, [op.inputs[0], op.inputs[1], bias.index if bias is not None else -1],
                  [op.outputs[0]], params, macs=batches * in_dim * out_dim,
                  scratch_bytes=fc_scratch_bytes(in_dim, batches) if dtype == "int8" else 0)  # fmt: skip
