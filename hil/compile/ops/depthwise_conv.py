"""DEPTHWISE_CONV_2D, int8 and 16x8 (int16 activations): firmware/src/ops/op_depthwise_conv.c."""

from __future__ import annotations

import struct

from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from hil.compile.ops import DataWriter, OpCode, OpSpec, register
from hil.compile.ops.mac import conv_padding, mac_bias, requant_table, conv_quant, conv_tensors
from hil.compile.tflite import Graph, Op
from hil.errors import ModelError


SCRATCH_MAX = 8192  # HIL_DW_M4_SCRATCH_MAX
MAX_KH = 8  # HIL_DW_M4_MAX_KH


def dw_scratch_bytes(out_shape: tuple, k: tuple, stride: tuple, dilation: tuple, multiplier: int) -> int:
    """hil_depthwise_conv_s8_m4_scratch (firmware/include/hil/kernels.h): four channels' padded int16
    planes and a staged output row for the 3-wide, stride-1 path; 0 where that path does not apply."""
    (out_h, out_w, out_ch), (k_h, k_w), (dil_h, dil_w) = out_shape, k, dilation
    if multiplier != 1 or k_w != 3 or k_h > MAX_KH or tuple(stride) != (1, 1):
        return 0
    rows, chain = out_h + (k_h - 1) * dil_h, -(-out_w // dil_w)
    size = 4 * rows * dil_w * ((chain + 1) // 2 * 2 + 2) * 2 + (out_w + dil_w) * out_ch
    return size if size <= SCRATCH_MAX else 0


@register("DEPTHWISE_CONV_2D", inputs=(2, 3), options=schema.DepthwiseConv2DOptionsT, options_required=True)
def depthwise_conv_2d(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp, out, weights, dtype = conv_tensors(op, g)
    n, in_h, in_w, in_ch = inp.shape
    _, k_h, k_w, out_ch = weights.shape
    o = op.options
    multiplier = o.depthMultiplier
    # TFLM takes depth_multiplier from the options and indexes with it; it must agree with the shapes.
    if weights.shape[0] != 1 or out.shape[0] != n or out.shape[3] != out_ch or in_ch * max(multiplier, 0) != out_ch:
        raise ModelError(f"{op.where()}: weights {weights.shape} and depth multiplier {multiplier} do not fit "
                         f"input {inp.shape} and output {out.shape}")  # fmt: skip
    bias = mac_bias(op, g, op.inputs[2], dtype, out_ch) if len(op.inputs) > 2 else None
    stride, dilation = (o.strideH, o.strideW), (o.dilationHFactor, o.dilationWFactor)
    pad_h, pad_w = conv_padding(op, o.padding, stride, dilation, (in_h, in_w), (k_h, k_w), out.shape[1:3])
    in_zp, mult, shift, lo, hi = conv_quant(op, inp, weights, out, out_ch, dtype)
    requant_offset = requant_table(data, mult, shift) if dtype == "int8" else 0
    params = struct.pack(
        "<iiii6iiIII", -in_zp, int(out.zero_point[0]), lo, hi, *stride, *dilation, pad_h, pad_w, multiplier,
        data.add(mult), data.add(shift), requant_offset,
    )  # fmt: skip
    macs = n * out.shape[1] * out.shape[2] * out_ch * k_h * k_w
    scratch = dw_scratch_bytes(out.shape[1:4], (k_h, k_w), stride, dilation, multiplier) if dtype == "int8" else 0
    return OpSpec(OpCode.DEPTHWISE_CONV_2D, [op.inputs[0], op.inputs[1], bias.index if bias is not None else -1],
                  [op.outputs[0]], params, macs=macs, scratch_bytes=scratch)  # fmt: skip
