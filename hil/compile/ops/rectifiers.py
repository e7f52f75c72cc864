"""PRELU (int8, int16 with int8 alpha), LEAKY_RELU (int8, int16), HARD_SWISH (int8):
firmware/src/ops/op_{prelu,leaky_relu,hard_swish}.c.

TFLM Prepare: prelu_common.cc, leaky_relu_common.cc (multipliers in double: older sources compute
LEAKY_RELU's in float32, but the TFLM this lab tests against agrees only with double, which int16
inputs tell apart; alpha of either sign), hard_swish_common.cc (int8 only; its whole kernel becomes a
table). An int8 LEAKY_RELU record carries its 256 outputs too, for the optimised kernel."""

from __future__ import annotations

import math
import struct

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from hil.compile.ops import DataWriter, OpCode, OpSpec, register
from hil.compile.ops.activations import unary
from hil.compile.ops.common import need
from hil.compile.ops.tflm_prepare import broadcast, per_tensor_q
from hil.compile.tflite import Graph, Op
from hil.errors import ModelError
from hil.quant import quantize_multiplier
from hil.quant.hard_swish import hard_swish_params, hard_swish_table
from hil.quant.tflm import leaky_relu_table


def _multiplier(op: Op, real: float, what: str) -> tuple[int, int]:
    """QuantizeMultiplier, refused where the kernels' requantisation cannot follow (shift above 30, or
    a negative multiplier that cannot be negated)."""
    if not math.isfinite(real):
        raise ModelError(f"{op.where()}: the {what} rescale is {real}; TFLM's {op.name} needs a finite one")
    multiplier, shift = quantize_multiplier(real)
    if shift > 30 or multiplier == -(1 << 31):
        raise ModelError(f"{op.where()}: the {what} rescale {real:g} is out of the range TFLM's {op.name} handles")
    return multiplier, shift


@register("PRELU", inputs=2)
def prelu(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp = need(op, g, op.inputs[0], ("int8", "int16"), const=False)
    alpha = need(op, g, op.inputs[1], ("int8",))
    out = need(op, g, op.outputs[0], (inp.dtype,))
    (s_in, z_in), (s_a, z_a), (s_out, z_out) = per_tensor_q(op, inp), per_tensor_q(op, alpha), per_tensor_q(op, out)
    m1, sh1 = _multiplier(op, s_in / s_out, "identity")
    m2, sh2 = _multiplier(op, s_in * s_a / s_out, "alpha")
    params = broadcast(op, inp.shape, alpha.shape, out.shape) + struct.pack("<7i", -z_in, -z_a, z_out, m1, sh1, m2, sh2)
    return OpSpec(OpCode.PRELU, [op.inputs[0], op.inputs[1]], [op.outputs[0]], params)


@register("LEAKY_RELU", options=schema.LeakyReluOptionsT)
def leaky_relu(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp, out = unary(op, g)
    (s_in, z_in), (s_out, z_out) = per_tensor_q(op, inp), per_tensor_q(op, out)
    alpha = float(np.float32(getattr(op.options, "alpha", 0.0) or 0.0))
    m_id, sh_id = _multiplier(op, s_in / s_out, "identity")
    m_a, sh_a = _multiplier(op, s_in * alpha / s_out, "alpha")
    params = struct.pack("<6i", z_in, z_out, m_id, sh_id, m_a, sh_a)
    if inp.dtype == "int8":  # the optimised kernel's table (the board checks it against the reference kernel)
        params += leaky_relu_table(z_in, z_out, (m_id, sh_id), (m_a, sh_a)).tobytes()
    return OpSpec(OpCode.LEAKY_RELU, [op.inputs[0]], [op.outputs[0]], params)


@register("HARD_SWISH")
def hard_swish(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp, out = unary(op, g, ("int8",))
    (s_in, z_in), (s_out, z_out) = per_tensor_q(op, inp), per_tensor_q(op, out)
    params = hard_swish_params(s_in, s_out) if s_in / 128 < s_out else None  # else the multiplier is >= 1
    if params is None or params[1] > 0:
        raise ModelError(f"{op.where()}: output scale {s_out:g} is too small for the input's {s_in:g} "
                         "(TFLM's HARD_SWISH needs input_scale / 128 < output_scale)")  # fmt: skip
    if params[3] > 30:
        raise ModelError(f"{op.where()}: input scale {s_in:g} is too large for TFLM's HARD_SWISH")
    return OpSpec(OpCode.HARD_SWISH, [op.inputs[0]], [op.outputs[0]], hard_swish_table(z_in, z_out, params).tobytes())
