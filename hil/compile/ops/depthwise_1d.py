"""The table of hil_depthwise_conv_s8_m4_1d (firmware/include/hil/kernels.h): a 1-D depthwise conv's
per-channel constants, folded at compile time and checked entry by entry at load (op_depthwise_conv.c)."""

from __future__ import annotations

import struct
from typing import NamedTuple

import numpy as np

MAX_E = 22  # HIL_DW1D_MAX_E
SCRATCH_MAX = 16384  # HIL_DW1D_SCRATCH_MAX


class Geom(NamedTuple):
    in_hw: tuple
    out_hw: tuple
    channels: int
    k: tuple
    stride: tuple
    dilation: tuple
    pad: tuple
    multiplier: int


def is_1d(g: Geom) -> bool:
    """hil_dw1d_shape: height 1, a 1x3 kernel, stride 1, depth multiplier 1, a left padding within the
    kernel's reach (2 dilations; what TFLite's SAME and VALID give)."""
    return (g.in_hw[0], g.out_hw[0], *g.k, g.pad[0], *g.stride, g.multiplier) == (1, 1, 1, 3, 0, 1, 1, 1) and (
        g.pad[1] <= 2 * g.dilation[1])


def _pairs(g: Geom) -> int:
    return 2 * ((-(-g.out_hw[1] // g.dilation[1]) + 3) // 4)


def _direct(g: Geom) -> tuple[bool, bool]:
    """hil_dw1d_direct_in and _out: whether the input is read and the output written in place."""
    d, (in_w, out_w) = g.dilation[1], (g.in_hw[1], g.out_hw[1])
    rows = (2 * _pairs(g) + 2) * d
    direct_in = g.pad[1] == 0 and (2 * d < in_w if out_w == 1 else rows <= in_w)
    return direct_in, out_w == 1 or 2 * _pairs(g) * d == out_w


def scratch_bytes(g: Geom) -> int:
    """hil_depthwise_conv_s8_m4_1d_scratch: the padded input and the chains' outputs where not in place;
    -1 if not 1-D or too big."""
    if not is_1d(g):
        return -1
    d, (direct_in, direct_out) = g.dilation[1], _direct(g)
    padded = ((2 * _pairs(g) + 2) * d * g.channels + 3) // 4 * 4
    size = (0 if direct_in else padded) + (0 if direct_out else 2 * _pairs(g) * d * g.channels)
    return size if size <= SCRATCH_MAX else -1


def _pair(lo: int, hi: int) -> int:
    return ((lo & 0xFFFF) | ((hi & 0xFFFF) << 16)) - ((hi & 0x8000) << 17)


def table(g: Geom, weights: np.ndarray, bias, mult: np.ndarray, shift: np.ndarray, input_offset: int,
          clamp: tuple) -> bytes | None:  # fmt: skip
    """The table (runs of one shift, then each channel's hil_dw1d_entry_t), or None where the 1-D path
    does not apply: another shape, a fused clamp, a shift outside 1..22, a folded bias past 2^29."""
    if scratch_bytes(g) < 0 or tuple(clamp) != (-128, 127):
        return None
    e = -np.asarray(shift, np.int64)
    w = np.asarray(weights, np.int64).reshape(3, g.channels)
    b = (np.zeros(g.channels, np.int64) if bias is None else np.asarray(bias, np.int64)) + input_offset * w.sum(0)
    if e.min() < 1 or e.max() > MAX_E or np.abs(b).max() >= 1 << 29:
        return None
    order = sorted(range(g.channels), key=lambda c: (e[c], c))
    runs = [(int(v), int(np.sum(e == v))) for v in sorted(set(e.tolist()))]
    out = [struct.pack("<i", len(runs))] + [struct.pack("<ii", *r) for r in runs]
    for c in order:
        w0, w1, w2 = (2 * int(x) for x in w[:, c])
        out.append(struct.pack("<iiiii", _pair(w0, w1), _pair(w1, w2), 2 * int(b[c]), int(mult[c]), c))
    return b"".join(out)
