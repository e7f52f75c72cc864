"""QUANTIZE (float32 -> int8/int16, int8/int16 -> int8/int16) and DEQUANTIZE
(int8/int16 -> float32): firmware/src/ops/op_{quantize,dequantize}.c.

TFLM: quantize_common.cc (AffineQuantize, Requantize), dequantize_common.cc. An int8 -> int8 QUANTIZE record
carries its 256 outputs too (hil.quant.tflm.requant_table_s8), for the optimised kernel."""

from __future__ import annotations

import struct

import numpy as np

from hil.compile.ops import DataWriter, OpCode, OpSpec, register
from hil.compile.ops.common import need
from hil.compile.ops.tflm_prepare import QMAX, QMIN, per_tensor_q
from hil.quant import quantize_multiplier
from hil.quant.tflm import requant_table_s8
from hil.compile.tflite import Graph, Op
from hil.errors import ModelError


def _same_size(op: Op, a, b) -> None:
    if int(np.prod(a.shape, dtype=np.int64)) != int(np.prod(b.shape, dtype=np.int64)):
        raise ModelError(f"{op.where()}: input {a.shape} and output {b.shape} differ in size")


@register("QUANTIZE")
def quantize(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp = need(op, g, op.inputs[0], ("float32", "int8", "int16"))
    out = need(op, g, op.outputs[0], ("int8", "int16"))
    _same_size(op, inp, out)
    s_out, z_out = per_tensor_q(op, out)
    if inp.dtype == "float32":
        params = struct.pack("<6ifi", 0, 0, 0, 0, 0, 0, np.float32(s_out), z_out)
    else:
        s_in, z_in = per_tensor_q(op, inp)
        multiplier, shift = quantize_multiplier(s_in / s_out)
        params = struct.pack("<6ifi", z_in, z_out, multiplier, shift, QMIN[out.dtype], QMAX[out.dtype], 0.0, 0)
        if inp.dtype == out.dtype == "int8":
            params += requant_table_s8(z_in, z_out, (multiplier, shift), (QMIN["int8"], QMAX["int8"])).tobytes()
    return OpSpec(OpCode.QUANTIZE, [op.inputs[0]], [op.outputs[0]], params)


@register("DEQUANTIZE")
def dequantize(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp = need(op, g, op.inputs[0], ("int8", "int16"))
    out = need(op, g, op.outputs[0], ("float32",))
    _same_size(op, inp, out)
    s_in, z_in = per_tensor_q(op, inp)
    return OpSpec(OpCode.DEQUANTIZE, [op.inputs[0]], [op.outputs[0]], struct.pack("<fi", np.float32(s_in), z_in))
