"""CONV_2D, int8 and 16x8 (int16 activations): firmware/src/ops/op_conv.c."""

from __future__ import annotations

import struct

from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from hil.compile.ops import DataWriter, OpCode, OpSpec, register
from hil.compile.ops.mac import (conv_padding, conv_quant, conv_tensors,
                                 fc_scratch_bytes, folded_bias, mac_bias, requant_table)  # fmt: skip
from hil.compile.tflite import Graph, Op
from hil.errors import ModelError


def conv_scratch_bytes(k_h: int, k_w: int, k_ch: int, in_ch: int, pixels: int, pointwise: bool) -> int:
    """hil_conv_s8_m4_scratch (firmware/include/hil/kernels.h): receptive fields (two output pixels',
    or one per group) and the rows of the fully-connected core, unpacked."""
    k = k_h * k_w * k_ch
    if pointwise:
        return fc_scratch_bytes(k, pixels)
    if k_ch == in_ch:
        return fc_scratch_bytes(k, 2) + (2 * k + 3) // 4 * 4
    return fc_scratch_bytes(k, 1) + (k_h * k_w * in_ch + 3) // 4 * 4


@register("CONV_2D", inputs=(2, 3), options=schema.Conv2DOptionsT, options_required=True)
def conv_2d(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp, out, weights, dtype = conv_tensors(op, g)
    n, in_h, in_w, in_ch = inp.shape
    out_ch, k_h, k_w, k_ch = weights.shape
    if out.shape[0] != n or out.shape[3] != out_ch or k_ch < 1 or in_ch % k_ch or out_ch % (in_ch // k_ch):
        raise ModelError(f"{op.where()}: weights {weights.shape} do not fit input {inp.shape} and output {out.shape}")
    bias = mac_bias(op, g, op.inputs[2], dtype, out_ch) if len(op.inputs) > 2 else None
    o = op.options
    stride, dilation = (o.strideH, o.strideW), (o.dilationHFactor, o.dilationWFactor)
    pad_h, pad_w = conv_padding(op, o.padding, stride, dilation, (in_h, in_w), (k_h, k_w), out.shape[1:3])
    in_zp, mult, shift, lo, hi = conv_quant(op, inp, weights, out, out_ch, dtype)
    folded_offset = requant_offset = scratch = 0
    if dtype == "int8":
        folded_offset = data.add(folded_bias(bias, weights.data, -in_zp))
        requant_offset = requant_table(data, mult, shift)
        pointwise = (k_h, k_w, k_ch, *stride, pad_h, pad_w, *out.shape[1:3]) == (1, 1, in_ch, 1, 1, 0, 0, in_h, in_w)
        scratch = conv_scratch_bytes(k_h, k_w, k_ch, in_ch, n * in_h * in_w, pointwise)
    params = struct.pack(
        "<iiii6iIIII", -in_zp, int(out.zero_point[0]), lo, hi, *stride, *dilation, pad_h, pad_w,
        data.add(mult), data.add(shift), folded_offset, requant_offset,
    )  # fmt: skip
    macs = n * out.shape[1] * out.shape[2] * out_ch * k_h * k_w * k_ch
    return OpSpec(OpCode.CONV_2D, [op.inputs[0], op.inputs[1], bias.index if bias is not None else -1],
                  [op.outputs[0]], params, macs=macs, scratch_bytes=scratch)  # fmt: skip
