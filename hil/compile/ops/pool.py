"""AVERAGE_POOL_2D and MAX_POOL_2D (int8, int16): firmware/src/ops/op_pool.c.

TFLM (pooling_common.cc PoolingPrepare, reference_integer_ops AveragePool / MaxPool): the padding of
ComputePaddingHeightWidth without dilation, the fused activation's clamp in the output's
quantisation, and no requantisation: TFLM refuses a pool whose input and output scales differ by
more than 1e-6 or whose zero points differ, and passes the values through otherwise."""

from __future__ import annotations

import struct

from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from hil.compile.ops import DataWriter, OpCode, OpSpec, register
from hil.compile.ops.common import ACTIVATIONS, activation_range, need
from hil.compile.ops.mac import conv_padding
from hil.compile.ops.tflm_prepare import per_tensor_q
from hil.compile.tflite import Graph, Op
from hil.errors import ModelError

CODES = {"AVERAGE_POOL_2D": OpCode.AVERAGE_POOL_2D, "MAX_POOL_2D": OpCode.MAX_POOL_2D}
# The most taps an average sums (firmware/src/ops/op_pool.c): its int32 sum and rounding cannot overflow.
MAX_AVERAGE_TAPS = {"int8": 1 << 23, "int16": 65535}
_ACTIVATION_NAMES = {v: k for k, v in vars(schema.ActivationFunctionType).items() if not k.startswith("_")}


def _activation(op: Op, out) -> tuple[int, int]:
    act = int(op.options.fusedActivationFunction)
    if ACTIVATIONS.get(act, "unknown") == "unknown":
        raise ModelError(f"{op.where()}: wanted a fused activation of NONE, RELU, RELU_N1_TO_1 or RELU6, "
                         f"got {_ACTIVATION_NAMES.get(act, act)}")  # fmt: skip
    return activation_range(op, act, out)


@register("AVERAGE_POOL_2D", "MAX_POOL_2D", options=schema.Pool2DOptionsT, options_required=True)
def pool_2d(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp = need(op, g, op.inputs[0], ("int8", "int16"), const=False)
    out = need(op, g, op.outputs[0], (inp.dtype,))
    if len(inp.shape) != 4 or len(out.shape) != 4 or out.shape[0] != inp.shape[0] or out.shape[3] != inp.shape[3]:
        raise ModelError(f"{op.where()}: wanted 4-D NHWC input and output with the same batches and channels, "
                         f"got {list(inp.shape)} and {list(out.shape)}")  # fmt: skip
    (s_in, z_in), (s_out, z_out) = per_tensor_q(op, inp), per_tensor_q(op, out)
    if abs(s_in - s_out) > 1e-6 or z_in != z_out:
        raise ModelError(f"{op.where()}: wanted the input's quantisation on the output (TFLM's pools do not "
                         f"requantise), got scale {s_in:g} zero point {z_in} -> {s_out:g}, {z_out}")  # fmt: skip
    o = op.options
    k, stride = (int(o.filterHeight), int(o.filterWidth)), (int(o.strideH), int(o.strideW))
    if min(k) < 1:
        raise ModelError(f"{op.where()}: wanted a filter of at least 1x1, got {k[0]}x{k[1]}")
    pad_h, pad_w = conv_padding(op, o.padding, stride, (1, 1), tuple(inp.shape[1:3]), k, tuple(out.shape[1:3]))
    if op.name == "AVERAGE_POOL_2D" and k[0] * k[1] > MAX_AVERAGE_TAPS[inp.dtype]:
        raise ModelError(f"{op.where()}: a {k[0]}x{k[1]} window sums {k[0] * k[1]:,} taps; the runtime's "
                         f"{inp.dtype} average takes up to {MAX_AVERAGE_TAPS[inp.dtype]:,}")  # fmt: skip
    lo, hi = _activation(op, out)
    params = struct.pack("<8i", *k, *stride, pad_h, pad_w, lo, hi)
    return OpSpec(CODES[op.name], [op.inputs[0]], [op.outputs[0]], params)
