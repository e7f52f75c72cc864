"""ADD, SUB, MUL, MAXIMUM, MINIMUM (int8, int16) with broadcasting:
firmware/src/ops/op_{add_sub,mul,maximum_minimum}.c.

TFLM Prepare: add_common.cc, sub_common.cc (the same multipliers, in double:
older sub_common.cc sources compute them in float32, but the TFLM this lab
tests against agrees only with double, which int16 SUB tells apart), mul_common.cc. MAXIMUM and
MINIMUM have no Prepare: TFLM compares raw values, so the compiler wants the three tensors quantised
alike (the converter makes them so)."""

from __future__ import annotations

import struct

from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from hil.compile.ops import DataWriter, OpCode, OpSpec, register
from hil.compile.ops.common import activation_range, need
from hil.compile.ops.tflm_prepare import broadcast, per_tensor_q, quantize_multiplier_smaller_than_one
from hil.quant import quantize_multiplier
from hil.compile.tflite import Graph, Op
from hil.errors import ModelError


def _operands(op: Op, g: Graph):
    out = need(op, g, op.outputs[0], ("int8", "int16"))
    a = need(op, g, op.inputs[0], (out.dtype,))
    b = need(op, g, op.inputs[1], (out.dtype,))
    return a, b, out


def _activation(op: Op) -> int:
    return int(getattr(op.options, "fusedActivationFunction", 0) or 0)


@register("ADD", inputs=2, options=schema.AddOptionsT)
@register("SUB", inputs=2, options=schema.SubOptionsT)
def add_sub(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    a, b, out = _operands(op, g)
    (s1, z1), (s2, z2), (so, zo) = per_tensor_q(op, a), per_tensor_q(op, b), per_tensor_q(op, out)
    left_shift = 15 if out.dtype == "int16" else 20
    twice_max = 2 * max(s1, s2)  # CalculateOpDataAdd / CalculateOpDataSub, in double
    r1, r2, ro = s1 / twice_max, s2 / twice_max, twice_max / ((1 << left_shift) * so)
    m1, sh1 = quantize_multiplier_smaller_than_one(op, r1)
    m2, sh2 = quantize_multiplier_smaller_than_one(op, r2)
    mo, sho = quantize_multiplier_smaller_than_one(op, ro)
    lo, hi = activation_range(op, _activation(op), out)
    params = broadcast(op, a.shape, b.shape, out.shape) + struct.pack(
        "<12i", -z1, -z2, left_shift, m1, sh1, m2, sh2, mo, sho, zo, lo, hi
    )
    code = OpCode.ADD if op.name == "ADD" else OpCode.SUB
    return OpSpec(code, [op.inputs[0], op.inputs[1]], [op.outputs[0]], params)


@register("MUL", inputs=2, options=schema.MulOptionsT)
def mul(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    a, b, out = _operands(op, g)
    (s1, z1), (s2, z2), (so, zo) = per_tensor_q(op, a), per_tensor_q(op, b), per_tensor_q(op, out)
    if out.dtype == "int16" and (z1 or z2 or zo):
        raise ModelError(f"{op.where()}: int16 MUL needs zero points 0 (TFLM requires it)")
    m, sh = quantize_multiplier(s1 * s2 / so)
    lo, hi = activation_range(op, _activation(op), out)
    params = broadcast(op, a.shape, b.shape, out.shape) + struct.pack("<7i", -z1, -z2, m, sh, zo, lo, hi)
    return OpSpec(OpCode.MUL, [op.inputs[0], op.inputs[1]], [op.outputs[0]], params)


@register("MAXIMUM", "MINIMUM", inputs=2)
def maximum_minimum(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    a, b, out = _operands(op, g)
    quants = [per_tensor_q(op, t) for t in (a, b, out)]
    if quants[0] != quants[2] or quants[1] != quants[2]:
        raise ModelError(f"{op.where()}: inputs quantised {quants[0]} and {quants[1]}, output {quants[2]}; "
                         f"TFLM's {op.name} compares raw values and needs them alike")  # fmt: skip
    code = OpCode.MAXIMUM if op.name == "MAXIMUM" else OpCode.MINIMUM
    return OpSpec(code, [op.inputs[0], op.inputs[1]], [op.outputs[0]], broadcast(op, a.shape, b.shape, out.shape))
