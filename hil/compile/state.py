"""The ops' state on the board (firmware/include/hil/op.h): what each op's prepare() resolves once at load
(data pointers, counts, kernel arguments, the eval to run) into RAM after the activations, as a 32-bit board
lays it out. The compiler adds it to the blob's arena figure, so every RAM figure the host decides with (the
compile report, check_fits, placement, the upload's room check) includes it, and the board refuses a blob
whose arena figure is short of it. tests/test_op_state.py holds this table to the built STM32 image's
op registry (its hil_ops section)."""

from __future__ import annotations

from hil.compile.ops import OpCode

# op code: (bytes of the op's state struct, bytes more per input and output), on a 32-bit board
STATE_BYTES: dict[int, tuple[int, int]] = {
    OpCode.FULLY_CONNECTED: (60, 0),
    OpCode.CONV_2D: (116, 0),
    OpCode.DEPTHWISE_CONV_2D: (120, 0),
    OpCode.ADD: (76, 0),
    OpCode.SUB: (76, 0),
    OpCode.MUL: (48, 0),
    OpCode.LOGISTIC: (24, 0),
    OpCode.TANH: (24, 0),
    OpCode.RELU: (24, 0),
    OpCode.RELU6: (24, 0),
    OpCode.RESHAPE: (24, 0),
    OpCode.CONCATENATION: (16, 4),
    OpCode.SPLIT: (16, 4),
    OpCode.STRIDED_SLICE: (24, 0),
    OpCode.MEAN: (24, 0),
    OpCode.QUANTIZE: (24, 0),
    OpCode.DEQUANTIZE: (24, 0),
    OpCode.SOFTMAX: (24, 0),
    OpCode.MP_GRU: (104, 0),
    OpCode.PAD: (24, 0),
    OpCode.AVERAGE_POOL_2D: (72, 0),
    OpCode.MAX_POOL_2D: (72, 0),
    OpCode.PRELU: (28, 0),
    OpCode.LEAKY_RELU: (24, 0),
    OpCode.HARD_SWISH: (24, 0),
    OpCode.MAXIMUM: (28, 0),
    OpCode.MINIMUM: (28, 0),
    OpCode.TRANSPOSE: (24, 0),
    OpCode.PACK: (16, 4),
    OpCode.UNPACK: (16, 4),
    OpCode.RESIZE_NEAREST_NEIGHBOR: (24, 0),
    OpCode.REDUCE_MAX: (24, 0),
    OpCode.GRU_STEP_S8: (280, 0),
    OpCode.GATED_CONV: (204, 0),
}


def op_state_bytes(code: int, n_io: int) -> int:
    """RAM the loader reserves for one op's state: its struct and n_io pointers' worth, 8-aligned (0 for a
    code the board does not know: it refuses the blob anyway)."""
    fixed, per_io = STATE_BYTES.get(code, (0, 0))
    return (fixed + per_io * n_io + 7) // 8 * 8


def state_bytes(ops) -> int:
    """The whole state area for op records (anything with code, n_inputs, n_outputs)."""
    return sum(op_state_bytes(o.code, o.n_inputs + o.n_outputs) for o in ops)
