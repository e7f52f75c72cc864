"""LOGISTIC, TANH, RELU, RELU6 (int8, int16) and SOFTMAX (int8):
firmware/src/ops/op_{sigmoid_family,relu,relu6,softmax}.c.

TFLM Prepare: logistic_common.cc, tanh.cc, activations_common.cc, softmax_common.cc. An int8 LOGISTIC, TANH
or RELU record carries the op's 256 outputs too, computed here with TFLM's arithmetic (hil.quant.sigmoid,
hil.quant.tflm.requant_table_s8), for the optimised kernel; the board checks the table against its reference
kernel on every input."""

from __future__ import annotations

import struct

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from hil.compile.ops import DataWriter, OpCode, OpSpec, register
from hil.compile.ops.common import need
from hil.compile.ops.tflm_prepare import QMAX, QMIN, per_tensor_q
from hil.quant.sigmoid import sigmoid_table_s8
from hil.quant.tflm import calculate_input_radius, checked_log2, f32_round_quantize, frexp_multiplier, requant_table_s8
from hil.quant import quantize_multiplier
from hil.compile.tflite import Graph, Op
from hil.errors import ModelError


def unary(op: Op, g: Graph, dtypes=("int8", "int16")):
    """The input and output of a one-input activation: one of dtypes, alike, the same element count."""
    inp = need(op, g, op.inputs[0], dtypes, const=False)
    out = need(op, g, op.outputs[0], (inp.dtype,))
    if int(np.prod(inp.shape, dtype=np.int64)) != int(np.prod(out.shape, dtype=np.int64)):
        raise ModelError(f"{op.where()}: input {inp.shape} and output {out.shape} differ in size")
    return inp, out


@register("LOGISTIC", "TANH")
def sigmoid(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp, out = unary(op, g)
    (s_in, z_in), (s_out, z_out) = per_tensor_q(op, inp), per_tensor_q(op, out)
    code = OpCode.LOGISTIC if op.name == "LOGISTIC" else OpCode.TANH
    if inp.dtype == "int8":
        if op.name == "LOGISTIC" and z_out != -128:
            raise ModelError(f"{op.where()}: int8 LOGISTIC output zero point must be -128 (TFLM requires it)")
        # input rescaled to Q4.27: input_real_multiplier = scale * 2^(31 - 4)
        multiplier, shift = frexp_multiplier(s_in * float(1 << 27))
        if shift < 0:
            raise ModelError(f"{op.where()}: input scale {s_in:g} is too small for TFLM's int8 {op.name}")
        radius = calculate_input_radius(4, shift, 31)
        if radius == 0:
            shift = min(shift, 31)  # every input saturates; the multiplier is never used
        if shift > 31:
            raise ModelError(f"{op.where()}: input scale {s_in:g} is too large for TFLM's int8 {op.name}")
        params = struct.pack("<4i", z_in, radius, multiplier, shift)
        params += sigmoid_table_s8(op.name, z_in, radius, multiplier, shift).tobytes()
    else:
        if z_in or z_out:
            raise ModelError(f"{op.where()}: int16 {op.name} needs zero points 0 (TFLM requires it)")
        pot, log2 = checked_log2(s_in)
        shift = (15 - 3) + log2
        pot = pot and (shift in (0, 1) if op.name == "TANH" else shift == 0)
        if pot:
            multiplier = 0
        else:  # rescale the input to 1 / (3 * 4096)
            real, shift = s_in * 4096.0 * 3.0, 0
            while real <= 32767.0 / 2.0 and shift <= 30:
                shift += 1
                real *= 2.0
            multiplier = int(real)
            if multiplier > 32767:
                raise ModelError(f"{op.where()}: input scale {s_in:g} is too large for TFLM's int16 {op.name}")
        ok, out_log2 = checked_log2(s_out)
        if not ok or out_log2 != -15:
            raise ModelError(f"{op.where()}: int16 {op.name} output scale must be 2^-15 (TFLM requires it)")
        params = struct.pack("<4i", 0, 0, multiplier, shift)
    return OpSpec(code, [op.inputs[0]], [op.outputs[0]], params)


@register("RELU")
def relu(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp, out = unary(op, g)
    (s_in, z_in), (s_out, z_out) = per_tensor_q(op, inp), per_tensor_q(op, out)
    if inp.dtype == "int16" and (z_in or z_out):
        raise ModelError(f"{op.where()}: int16 RELU needs zero points 0 (TFLM requires it)")
    multiplier, shift = quantize_multiplier(s_in / s_out)
    act_min = max(QMIN[out.dtype], z_out)  # zero_point + round(0 / scale)
    params = struct.pack("<6i", z_in, z_out, multiplier, shift, act_min, QMAX[out.dtype])
    if inp.dtype == "int8":
        params += requant_table_s8(z_in, z_out, (multiplier, shift), (act_min, QMAX["int8"])).tobytes()
    return OpSpec(OpCode.RELU, [op.inputs[0]], [op.outputs[0]], params)


@register("RELU6")
def relu6(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp, out = unary(op, g)
    s_in, z_in = per_tensor_q(op, inp)
    six = f32_round_quantize(6.0, s_in, z_in, inp.dtype)
    return OpSpec(OpCode.RELU6, [op.inputs[0]], [op.outputs[0]], struct.pack("<2i", z_in, six))


@register("SOFTMAX", options=schema.SoftmaxOptionsT)
def softmax(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp, out = unary(op, g, ("int8",))
    s_in, _ = per_tensor_q(op, inp)
    s_out, z_out = per_tensor_q(op, out)
    if z_out != -128 or np.float32(s_out) != np.float32(1.0 / 256):
        raise ModelError(f"{op.where()}: int8 SOFTMAX output must be scale 1/256, zero point -128 (TFLM requires it)")
    if len(inp.shape) < 1 or not 1 <= inp.shape[-1] < 4096:
        raise ModelError(f"{op.where()}: SOFTMAX depth {inp.shape[-1:]} must be 1..4095")
    beta = float(np.float32(getattr(op.options, "beta", 1.0)))
    # PreprocessSoftmaxScaling with 5 integer bits (double rounding build)
    real = min(beta * s_in * float(1 << (31 - 5)), float((1 << 31) - 1))
    if not real > 1.0:
        raise ModelError(f"{op.where()}: beta * input scale {beta * s_in:g} is too small for TFLM's int8 SOFTMAX")
    multiplier, shift = quantize_multiplier(real)
    diff_min = -calculate_input_radius(5, shift, 31)
    params = struct.pack("<4i", multiplier, shift, diff_min, int(inp.shape[-1]))
    return OpSpec(OpCode.SOFTMAX, [op.inputs[0]], [op.outputs[0]], params)
