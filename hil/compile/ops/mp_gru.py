"""HIL_MP_GRU, the mixed-precision GRU custom op (hil/mpgru/options.py documents its
custom_options and inputs): firmware/src/ops/op_mp_gru.c."""

from __future__ import annotations

import struct

import numpy as np

from hil.compile.ops import DataWriter, OpCode, OpSpec, register
from hil.compile.ops.common import need, per_tensor
from hil.compile.tflite import Graph, Op
from hil.errors import ModelError
from hil.mpgru import options
from hil.mpgru.genome import MAX_BITS, MIN_BITS, OPERATORS
from hil.mpgru.pack import row_bytes
from hil.mpgru.quant import MULT_NAMES

MAX_DIM = 4096  # MP_GRU_MAX_DIM in op_mp_gru.c
KEYS = ("version", "in_dim", "units", "x_zp", "bits", "mult", "shift", "lut_z", "lut_r", "lut_h")


def scratch_bytes(in_dim: int, units: int) -> int:
    """HIL_MP_GRU_M4_SCRATCH (firmware/include/hil/kernels_mp_gru.h)."""
    pad = lambda n: (n + 15) & ~15  # noqa: E731
    tail = lambda n: 7 * pad(n) // 4 + 12  # noqa: E731
    chunk = 24  # HIL_MP_CHUNK
    return 40 * (chunk + 2) + 2 * (3 * pad(in_dim) + 3 * pad(units)) + 3 * tail(in_dim) + 3 * tail(units)


def _ints(op: Op, opts: dict, key: str, n: int) -> list[int]:
    v = opts[key]
    if not isinstance(v, list) or len(v) != n or not all(isinstance(i, int) for i in v):
        raise ModelError(f"{op.where()}: custom_options '{key}': wanted {n} integers, got {v!r:.60}")
    return v


def _options(op: Op) -> dict:
    try:
        opts = options.decode(op.custom_options)
    except Exception as exc:  # flexbuffers raises whatever garbage triggers
        raise ModelError(f"{op.where()}: malformed custom_options ({type(exc).__name__}: {exc})") from None
    missing = [k for k in KEYS if k not in opts]
    if missing:
        raise ModelError(f"{op.where()}: custom_options: wanted keys {', '.join(KEYS)}, missing {', '.join(missing)}")
    if opts["version"] != options.VERSION:
        raise ModelError(f"{op.where()}: custom_options version: wanted {options.VERSION}, got {opts['version']!r}")
    for key in ("in_dim", "units"):
        if not isinstance(opts[key], int) or not 1 <= opts[key] <= MAX_DIM:
            raise ModelError(f"{op.where()}: custom_options '{key}': wanted 1..{MAX_DIM}, got {opts[key]!r}")
    bits = _ints(op, opts, "bits", len(OPERATORS))
    for name, b in zip(OPERATORS, bits):
        if not MIN_BITS <= b <= MAX_BITS:
            raise ModelError(f"{op.where()}: wanted bits in {MIN_BITS}..{MAX_BITS} for {name}, got {b}")
    mult, shift = _ints(op, opts, "mult", len(MULT_NAMES)), _ints(op, opts, "shift", len(MULT_NAMES))
    for name, m, s in zip(MULT_NAMES, mult, shift):
        if not 0 <= m < 1 << 31 or not -31 <= s <= 30:
            raise ModelError(f"{op.where()}: rescale {name}: wanted multiplier in 0..2^31-1 and shift in -31..30, "
                             f"got {m}, {s}")  # fmt: skip
    return opts


def _luts(op: Op, opts: dict, bits: dict) -> list[bytes]:
    out = []
    for key, pre, lo, hi in (("lut_z", "z_pre", 0, (1 << bits["z"]) - 1), ("lut_r", "r_pre", 0, (1 << bits["r"]) - 1),
                             ("lut_h", "h_pre", -((1 << (bits["h_cand"] - 1)) - 1), (1 << (bits["h_cand"] - 1)) - 1)):
        raw = bytes(opts[key]) if isinstance(opts[key], (bytes, bytearray)) else None
        if raw is None or len(raw) != 1 << bits[pre]:
            raise ModelError(f"{op.where()}: custom_options '{key}': wanted {1 << bits[pre]} bytes, "
                             f"got {len(raw) if raw is not None else type(opts[key]).__name__}")  # fmt: skip
        vals = np.frombuffer(raw, np.uint8 if lo == 0 else np.int8)
        if vals.min() < lo or vals.max() > hi:
            raise ModelError(f"{op.where()}: custom_options '{key}': wanted values in {lo}..{hi}, "
                             f"got {vals.min()}..{vals.max()}")  # fmt: skip
        out.append(raw)
    return out


def _check_tensors(op: Op, g: Graph, opts: dict, bits: dict) -> int:
    """The batch count; ModelError unless every input has the shape and type the options imply."""
    n_in, units = opts["in_dim"], opts["units"]
    x = need(op, g, op.inputs[0], ("int8",), const=False)
    h = need(op, g, op.inputs[1], ("int8",), const=False)
    out = need(op, g, op.outputs[0], ("int8",), const=False)
    _, x_zp = per_tensor(op, x)
    if x_zp != opts["x_zp"]:
        raise ModelError(f"{op.where()}: custom_options x_zp {opts['x_zp']} differs from the input's zero point {x_zp}")
    batches, rest = divmod(int(np.prod(x.shape)), n_in)
    if rest or batches < 1 or int(np.prod(h.shape)) != batches * units or int(np.prod(out.shape)) != batches * units:
        raise ModelError(f"{op.where()}: wanted x of {n_in} and state/state_out of {units} values per row, "
                         f"got shapes {x.shape}, {h.shape}, {out.shape}")  # fmt: skip
    for t in (h, out):
        scale, zp = per_tensor(op, t)
        if zp != 0:
            raise ModelError(f"{op.where()}: tensor {t.name!r}: wanted zero point 0 (the MP state), got {zp}")
    names = options.WEIGHT_INPUTS + options.BIAS_INPUTS
    for name, index in zip(names, op.inputs[2:]):
        t = need(op, g, index, ("uint8",), const=True)
        b = options.input_bits(bits, name)
        want = units * row_bytes(n_in if name[0] == "W" else units, b) if name[0] in "WU" else row_bytes(units, b)
        if t.data.size != want:
            raise ModelError(f"{op.where()}: packed {name}: wanted {want} bytes at {b} bits, got {t.data.size}")
    return batches


@register(options.CUSTOM_CODE, inputs=options.N_INPUTS)
def mp_gru(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    opts = _options(op)
    bits = dict(zip(OPERATORS, opts["bits"]))
    if not -128 <= opts["x_zp"] <= 127:
        raise ModelError(f"{op.where()}: custom_options x_zp: wanted -128..127, got {opts['x_zp']}")
    luts = [data.add(raw) for raw in _luts(op, opts, bits)]
    batches = _check_tensors(op, g, opts, bits)
    n_in, units = opts["in_dim"], opts["units"]
    params = struct.pack(f"<4i{len(OPERATORS)}B2x{len(MULT_NAMES)}i{len(MULT_NAMES)}i3I", n_in, units, opts["x_zp"],
                         0, *opts["bits"], *opts["mult"], *opts["shift"], *luts)  # fmt: skip
    return OpSpec(OpCode.MP_GRU, list(op.inputs), list(op.outputs), params,
                  macs=batches * 3 * units * (n_in + units), scratch_bytes=scratch_bytes(n_in, units))  # fmt: skip


__all__ = ["mp_gru", "scratch_bytes"]
