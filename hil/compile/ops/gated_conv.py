"""HIL_GATED_CONV, one DynCP gated residual block (hil/gconv/options.py documents its custom_options, inputs
and outputs): firmware/src/ops/op_gated_conv.c. The record holds what TFLM's Prepare would compute for the
block's FULLY_CONNECTED, DEPTHWISE_CONV_2D and ADD ops (hil.gconv.block: the same functions the numpy
reference uses); the history input is persistent (kept in the arena from one run to the next)."""

from __future__ import annotations

import struct

import numpy as np

from hil.compile.ops import DataWriter, OpCode, OpSpec, register
from hil.compile.ops.common import need, per_tensor
from hil.compile.tflite import Graph, Op
from hil.errors import ModelError
from hil.gconv import options
from hil.gconv.block import LEFT_SHIFT, add_rescales, channel_rescales

MAX_DIM = 1024  # GATED_CONV_MAX_DIM in op_gated_conv.c


def _c4(n: int) -> int:
    return (n + 3) & ~3


def scratch_bytes(channels: int, mid: int, gate_dim: int) -> int:
    """hil_gated_conv_scratch (firmware/include/hil/kernels_gated_conv.h)."""
    return 6 * _c4(channels) + 2 * _c4(gate_dim) + 5 * _c4(mid)


def _options(op: Op) -> dict:
    try:
        opts = options.decode(op.custom_options)
    except Exception as exc:  # flexbuffers raises whatever garbage triggers
        raise ModelError(f"{op.where()}: malformed custom_options ({type(exc).__name__}: {exc})") from None
    missing = [k for k in options.KEYS if k not in opts]
    if missing:
        raise ModelError(f"{op.where()}: custom_options: wanted keys {', '.join(options.KEYS)}, "
                         f"missing {', '.join(missing)}")  # fmt: skip
    if opts["version"] != options.VERSION:
        raise ModelError(f"{op.where()}: custom_options version: wanted {options.VERSION}, got {opts['version']!r}")
    for key, hi in (("kernel", options.MAX_KERNEL), ("dilation", options.MAX_DILATION)):
        lo = 2 if key == "kernel" else 1
        if not isinstance(opts[key], int) or not lo <= opts[key] <= hi:
            raise ModelError(f"{op.where()}: custom_options '{key}': wanted {lo}..{hi}, got {opts[key]!r}")
    if opts["open"] not in (0, 1):
        raise ModelError(f"{op.where()}: custom_options 'open': wanted 0 or 1, got {opts['open']!r}")
    for key in ("z", "v", "p"):
        scale, zp = opts[f"{key}_scale"], opts[f"{key}_zp"]
        if not isinstance(scale, float) or not np.isfinite(scale) or scale <= 0 or not isinstance(zp, int) \
                or not -128 <= zp <= 127:  # fmt: skip
            raise ModelError(f"{op.where()}: custom_options {key}: wanted a scale > 0 and a zero point in "
                             f"-128..127, got {scale!r}, {zp!r}")  # fmt: skip
    return opts


def _consts(op: Op, g: Graph) -> dict:
    """The constant inputs by name, with their shapes checked against the weights'."""
    t = {name: need(op, g, i, ("int32",) if name[0] == "b" else ("int8",), const=True)
         for name, i in zip(options.CONST_INPUTS, op.inputs[2:])}  # fmt: skip
    r, c = t["wg1"].shape if len(t["wg1"].shape) == 2 else (0, 0)
    m = t["w1"].shape[0] if len(t["w1"].shape) == 2 else 0
    want = {"wg1": (r, c), "bg1": (r,), "wg2": (m, r), "bg2": (m,), "w1": (m, c), "b1": (m,), "wd": None,
            "bd": (m,), "w2t": (m, c), "b2": (c,)}  # fmt: skip
    for name, shape in want.items():
        got = t[name].shape
        if (shape is not None and got != shape) or (shape is None and (len(got) != 2 or got[1] != m)) \
                or not 1 <= max(r, c, m) <= MAX_DIM or min(r, c, m) < 1:  # fmt: skip
            raise ModelError(f"{op.where()}: {name} has shape {list(got)}; with wg1 {list(t['wg1'].shape)} and "
                             f"w1 {list(t['w1'].shape)} (each dimension 1..{MAX_DIM}) it wants "
                             f"{list(shape) if shape else ['K', m]}")  # fmt: skip
    return t


def _scales(op: Op, t, n: int) -> np.ndarray:
    if t.scale.size not in (1, n) or np.any(t.zero_point != 0):
        raise ModelError(f"{op.where()}: {t.name!r}: wanted symmetric scales, one or {n}, got {t.scale.size}")
    return np.broadcast_to(t.scale, (n,))


def _rescale_block(data: DataWriter, pairs) -> bytes:
    m, s = pairs
    if np.any(s < -31) or np.any(s > 30):
        raise ModelError("a rescale's shift is outside -31..30")
    return struct.pack("<2I", data.add(m.astype("<i4")), data.add(s.astype("<i4")))


@register(options.CUSTOM_CODE, inputs=options.N_INPUTS, outputs=2)
def gated_conv(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    opts, k = _options(op), _consts(op, g)
    x, y = need(op, g, op.inputs[0], ("int8",), const=False), need(op, g, op.outputs[0], ("int8",), const=False)
    hist, gates = need(op, g, op.inputs[1], ("int8",)), need(op, g, op.outputs[1], ("int8",), const=False)
    (r, c), m, kernel, d = k["wg1"].shape, k["w1"].shape[0], opts["kernel"], opts["dilation"]
    if not hist.variable or int(np.prod(hist.shape)) != options.history_bytes(kernel, d, m):
        raise ModelError(f"{op.where()}: the history must be a variable tensor of {options.history_bytes(kernel, d, m)} "
                         f"bytes (kernel {kernel}, dilation {d}, {m} channels), got {hist.shape}")  # fmt: skip
    if k["wd"].shape[0] != kernel or np.prod(x.shape) != c or np.prod(y.shape) != c or np.prod(gates.shape) != m:
        raise ModelError(f"{op.where()}: wanted x and y of {c}, gates of {m} values and {kernel} depthwise taps, "
                         f"got {x.shape}, {y.shape}, {gates.shape}, {k['wd'].shape[0]}")  # fmt: skip
    (xs, xz), (us, uz), (ys, yz) = per_tensor(op, x), per_tensor(op, hist), per_tensor(op, y)
    zs, vs, ps = (opts[f"{n}_scale"] for n in "zvp")
    try:
        rescales = b"".join(_rescale_block(data, channel_rescales(i, _scales(op, k[w], n), o)) for i, w, n, o in
                            ((xs, "wg1", r, zs), (xs, "w1", m, us), (us, "wd", m, vs), (vs, "w2t", c, ps)))  # fmt: skip
    except ModelError as exc:
        raise ModelError(f"{op.where()}: {exc}") from None
    (m1, s1), (m2, s2), (mo, so) = add_rescales(xs, ps, ys)
    add = struct.pack("<12i", -xz, -opts["p_zp"], LEFT_SHIFT, m1, s1, m2, s2, mo, so, yz, -128, 127)
    params = struct.pack("<12i", c, m, r, kernel, d, (kernel - 1) * d, xz, opts["z_zp"], uz, opts["v_zp"],
                         opts["p_zp"], opts["open"]) + rescales + add  # fmt: skip
    macs = (0 if opts["open"] else r * c + m * r) + m * (2 * c + kernel)  # every channel kept
    return OpSpec(OpCode.GATED_CONV, list(op.inputs), list(op.outputs), params, macs=macs,
                  scratch_bytes=scratch_bytes(c, m, r), persistent_inputs=(1,))  # fmt: skip


__all__ = ["gated_conv", "scratch_bytes"]
