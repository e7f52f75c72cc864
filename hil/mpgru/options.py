"""HIL_MP_GRU's custom_options (a flexbuffer map) and its constant inputs.

Operator inputs: [x (int8), state (int8), W_z, W_r, W_h, U_z, U_r, U_h, b_z, b_r, b_h_in,
b_h_rec]; weights and biases are uint8 tensors packed at their bit widths (hil/mpgru/pack.py),
matrices shaped [units, row bytes], biases [bytes]. Output: the new state (int8, the same
quantisation as the state input). custom_options keys:
  version 1, in_dim, units, x_zp, bits (18 ints in OPERATORS order), mult, shift (17 ints each,
  in MULT_NAMES order), lut_z, lut_r, lut_h (blobs of 2^bits[z_pre|r_pre|h_pre] bytes)."""

from __future__ import annotations

import numpy as np
from flatbuffers import flexbuffers

from hil.mpgru.genome import OPERATORS
from hil.mpgru.pack import pack, row_bytes
from hil.mpgru.quant import GATES, MULT_NAMES, LayerQ

CUSTOM_CODE = "HIL_MP_GRU"
VERSION = 1
N_INPUTS = 12
WEIGHT_INPUTS = tuple(f"W_{g}" for g in GATES) + tuple(f"U_{g}" for g in GATES)
BIAS_INPUTS = ("b_z", "b_r", "b_h_in", "b_h_rec")


def encode(q: LayerQ) -> bytes:
    return bytes(flexbuffers.Dumps({
        "version": VERSION, "in_dim": q.in_dim, "units": q.units, "x_zp": q.x_zp,
        "bits": [q.bits[k] for k in OPERATORS], "mult": [int(v) for v in q.mult], "shift": [int(v) for v in q.shift],
        "lut_z": q.lut_z.tobytes(), "lut_r": q.lut_r.tobytes(), "lut_h": q.lut_h.tobytes(),
    }))  # fmt: skip


def input_bits(q_bits: dict, name: str) -> int:
    """The bit width of a packed input: W_z -> bits[W_z], b_h_in -> bits[b_h]."""
    return q_bits[name] if name in q_bits else q_bits[name[:3]]


def packed_inputs(q: LayerQ) -> list[tuple[str, np.ndarray]]:
    """(name, uint8 array) per constant input, in operator input order."""
    out = []
    for name in WEIGHT_INPUTS:
        w = (q.W if name[0] == "W" else q.U)[name[2]]
        raw = np.frombuffer(pack(w, q.bits[name]), np.uint8).reshape(w.shape[0], row_bytes(w.shape[1], q.bits[name]))
        out.append((name, raw))
    for name in BIAS_INPUTS:
        out.append((name, np.frombuffer(pack(q.b[name[2:]], input_bits(q.bits, name)), np.uint8)))
    return out


def decode(raw: bytes) -> dict:
    """The options map; raises whatever flexbuffers raises on garbage (callers make it one line)."""
    opts = flexbuffers.Loads(bytearray(raw))
    if not isinstance(opts, dict):
        raise ValueError(f"wanted a flexbuffer map, got {type(opts).__name__}")
    return opts


__all__ = ["CUSTOM_CODE", "MULT_NAMES", "encode", "decode", "packed_inputs"]
