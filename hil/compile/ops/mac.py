"""What the multiply-accumulate encoders (fully_connected, conv, depthwise_conv) share:
activation and bias types, TFLM's conv padding, and the tables the optimised kernels read
(firmware/src/ops/mac_common.h checks them at load)."""

from __future__ import annotations

import struct

import numpy as np

from hil.compile.ops import DataWriter
from hil.compile.ops.common import activation_range, channel_multipliers, need, per_tensor
from hil.compile.tflite import Graph, Op, Tensor
from hil.errors import ModelError

# The shifts the runtime's requantisation takes: int32 accumulators, and 16x8's int64 form.
MAX_SHIFT = {"int8": 30, "int16": 7}
BIAS_DTYPE = {"int8": "int32", "int16": "int64"}
PADDING = {0: "SAME", 1: "VALID"}  # tflite Padding enum
INT32_MAX = (1 << 31) - 1


def fc_scratch_bytes(in_dim: int, batches: int) -> int:
    """HIL_FC_M4_SCRATCH (firmware/include/hil/kernels.h): the input rows in process unpacked for
    SMLAD, two at a time when there are two."""
    return (4 if batches > 1 else 2) * (in_dim & ~3)


def activation_types(op: Op, g: Graph) -> tuple[Tensor, Tensor, str]:
    """Input and output of a MAC op: both int8, or both int16 (16x8) with zero points 0."""
    inp = need(op, g, op.inputs[0], ("int8", "int16"), const=False)
    out = need(op, g, op.outputs[0], (inp.dtype,))
    if inp.dtype == "int16" and (np.any(inp.zero_point != 0) or np.any(out.zero_point != 0)):
        raise ModelError(f"{op.where()}: int16 activations must have zero point 0 (16x8 quantisation)")
    return inp, out, inp.dtype


def mac_bias(op: Op, g: Graph, index: int, dtype: str, channels: int) -> Tensor | None:
    """The optional constant bias: int32 for int8 activations, int64 for 16x8, one per output channel."""
    bias = g.tensor(index)
    if bias is None:
        return None
    want = BIAS_DTYPE[dtype]
    if bias.dtype != want or not bias.is_const:
        raise ModelError(f"{op.where()}: bias must be a constant {want} tensor with {dtype} activations, "
                         f"got {'a constant' if bias.is_const else 'a computed'} {bias.dtype}")  # fmt: skip
    if bias.data.size != channels:
        raise ModelError(f"{op.where()}: bias has {bias.data.size} values for {channels} output channels")
    return bias


def check_shifts(op: Op, dtype: str, mult: np.ndarray, shift: np.ndarray) -> None:
    if np.any(shift > MAX_SHIFT[dtype]) or np.any(mult < 0):
        raise ModelError(f"{op.where()}: a requantisation scale of 2^{int(shift.max())} is beyond what the "
                         f"{dtype} kernels handle (shift <= {MAX_SHIFT[dtype]})")  # fmt: skip


def folded_bias(bias: Tensor | None, weights: np.ndarray, input_offset: int) -> np.ndarray:
    """bias + input_offset * sum(weights of the channel), wrapped to int32 as the kernels' sums wrap.
    weights: [channels, ...]."""
    b = bias.data.astype(np.int64).reshape(-1) if bias is not None else np.zeros(weights.shape[0], np.int64)
    w = weights.astype(np.int64).reshape(weights.shape[0], -1).sum(axis=1)
    return (b + input_offset * w).astype("<i4")


def requant_table(data: DataWriter, mult: np.ndarray, shift: np.ndarray) -> int:
    """hil_requant_t per channel (firmware/include/hil/qmath.h): the requantisation of the optimised
    kernels with everything per-channel precomputed. Only for shifts < 0; 0 (none) otherwise."""
    if np.any(shift >= 0):
        return 0
    rows = []
    for m, s in zip(mult.tolist(), shift.tolist()):
        e1 = -s - 1
        preset = (1 << 30) + (1 << (e1 + 31))
        rows.append(struct.pack("<iiII", m, e1, preset & 0xFFFFFFFF, preset >> 32))
    return data.add(b"".join(rows))


Pair = tuple[int, int]


def conv_padding(op: Op, padding: int, stride: Pair, dilation: Pair, in_hw: Pair, k_hw: Pair, out_hw: Pair) -> Pair:
    """TFLM's ComputePaddingHeightWidth (tensorflow/lite/micro/kernels/padding.h): the output size it
    derives from the padding type must be the output tensor's, and the padding is the floor half of
    the total (the odd pixel goes after, which the reference kernels never look at)."""
    if padding not in PADDING:
        raise ModelError(f"{op.where()}: padding type {padding} is not supported")
    if min(stride) < 1 or min(dilation) < 1:
        raise ModelError(f"{op.where()}: stride {stride} / dilation {dilation} must be positive")
    pads = []
    for size, k, s, d, out in zip(in_hw, k_hw, stride, dilation, out_hw):
        eff = (k - 1) * d + 1
        want = (size + s - 1) // s if PADDING[padding] == "SAME" else (size + s - eff) // s
        if want != out or out < 1:
            raise ModelError(f"{op.where()}: output size {out} does not match {PADDING[padding]} padding "
                             f"of {size} with kernel {k}, stride {s}, dilation {d} (TFLM computes {want})")  # fmt: skip
        if (out - 1) * s + eff > INT32_MAX:
            raise ModelError(f"{op.where()}: kernel {k} at stride {s}, dilation {d} spans {(out - 1) * s + eff:,} "
                             f"pixels; TFLM computes the padding in int32")  # fmt: skip
        pads.append(max((out - 1) * s + eff - size, 0) // 2)
    return pads[0], pads[1]


def conv_tensors(op: Op, g: Graph) -> tuple[Tensor, Tensor, Tensor, str]:
    """(input, output, weights, activation dtype) of a convolution: 4-D NHWC tensors, constant int8 weights."""
    inp, out, dtype = activation_types(op, g)
    weights = need(op, g, op.inputs[1], ("int8",), const=True)
    if len(inp.shape) != 4 or len(out.shape) != 4 or len(weights.shape) != 4 or 0 in weights.shape:
        raise ModelError(f"{op.where()}: {op.name} takes 4-D input, weights and output (NHWC), got "
                         f"{inp.shape}, {weights.shape}, {out.shape}")  # fmt: skip
    return inp, out, weights, dtype


def conv_quant(op: Op, inp: Tensor, weights: Tensor, out: Tensor, channels: int, dtype: str):
    """What a convolution's Prepare derives: (input zero point, multipliers, shifts, clamp low, clamp high)."""
    if np.any(weights.zero_point != 0):
        raise ModelError(f"{op.where()}: weights must be symmetric (zero point 0)")
    _, in_zp = per_tensor(op, inp)
    per_tensor(op, out)
    mult, shift = channel_multipliers(op, inp, weights, out, channels)
    check_shifts(op, dtype, mult, shift)
    lo, hi = activation_range(op, op.options.fusedActivationFunction, out)
    return in_zp, mult, shift, lo, hi
