"""HIL_GATED_CONV's custom_options (a flexbuffer map) and its inputs and outputs.

Operator inputs: [x (int8 [1, C]), history (an int8 variable tensor of (K-1) d M + 4 bytes: the ring of
u rows, then the ring position as a little-endian u32; u's quantisation), wg1 (int8 [R, C]), bg1 (int32),
wg2 (int8 [M, R]), bg2, w1 (int8 [M, C]), b1, wd (int8 [K, M]), bd, w2t (int8 [M, C], the projection
transposed; its scales per C along axis 1), b2]. Outputs: [y (int8 [1, C]), gates (int8 [1, M]: 1 for a
kept channel, 0 for a pruned one; scale 1, zero point 0)]. custom_options keys: version 1, kernel,
dilation, z_scale, z_zp, v_scale, v_zp, p_scale, p_zp (the block's inner activations; x, u and y are
the input's, the history's and the output's quantisation), open (1: a static block, every channel kept and
the gate head not run)."""

from __future__ import annotations

import numpy as np
from flatbuffers import flexbuffers

from hil.gconv.block import BlockQ

CUSTOM_CODE = "HIL_GATED_CONV"
VERSION = 1
N_INPUTS = 12
CONST_INPUTS = ("wg1", "bg1", "wg2", "bg2", "w1", "b1", "wd", "bd", "w2t", "b2")
KEYS = ("version", "kernel", "dilation", "z_scale", "z_zp", "v_scale", "v_zp", "p_scale", "p_zp", "open")
MAX_KERNEL, MAX_DILATION = 8, 64
POS_BYTES = 4  # the ring position after the rows


def history_bytes(kernel: int, dilation: int, mid: int) -> int:
    return (kernel - 1) * dilation * mid + POS_BYTES


def encode(q: BlockQ) -> bytes:
    return bytes(flexbuffers.Dumps({
        "version": VERSION, "kernel": int(q.kernel), "dilation": int(q.dilation),
        "z_scale": float(np.float32(q.z_q[0])), "z_zp": int(q.z_q[1]), "v_scale": float(np.float32(q.v_q[0])),
        "v_zp": int(q.v_q[1]), "p_scale": float(np.float32(q.p_q[0])), "p_zp": int(q.p_q[1]), "open": int(q.open),
    }))  # fmt: skip


def const_inputs(q: BlockQ) -> list[tuple[str, np.ndarray, np.ndarray | None, int]]:
    """(name, data, per-channel scales or None for a bias, quantized dimension) per constant input, in order."""
    return [("wg1", q.wg1, q.wg1_scale, 0), ("bg1", q.bg1, None, 0), ("wg2", q.wg2, q.wg2_scale, 0),
            ("bg2", q.bg2, None, 0), ("w1", q.w1, q.w1_scale, 0), ("b1", q.b1, None, 0),
            ("wd", q.wd, q.wd_scale, 1), ("bd", q.bd, None, 0), ("w2t", q.w2t, q.w2_scale, 1),
            ("b2", q.b2, None, 0)]  # fmt: skip


def decode(raw: bytes) -> dict:
    """The options map; raises whatever flexbuffers raises on garbage (callers make it one line)."""
    opts = flexbuffers.Loads(bytearray(raw))
    if not isinstance(opts, dict):
        raise ValueError(f"wanted a flexbuffer map, got {type(opts).__name__}")
    return opts
