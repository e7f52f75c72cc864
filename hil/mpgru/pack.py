"""Bit-packed weights: the layout firmware/src/kernels/mp_gru_*.c unpack.

A row of n signed values at b bits is stored LSB-first: value i occupies bits
[i*b, i*b + b) of the row's little-endian bit stream (bit k of the stream is bit k % 8
of byte k // 8), in two's complement; the row is padded with zero bits to a whole
byte. A matrix is its rows one after another, each starting on a byte."""

from __future__ import annotations

import numpy as np

from hil.errors import ConfigError
from hil.mpgru.genome import check_bits


def row_bytes(n: int, bits: int) -> int:
    return (n * bits + 7) // 8


def _check(values: np.ndarray, bits: int) -> None:
    check_bits("pack", bits)
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if values.size and (values.min() < lo or values.max() > hi):
        raise ConfigError(f"pack: wanted values in {lo}..{hi} for {bits} bits, got {values.min()}..{values.max()}")


def pack(values, bits: int) -> bytes:
    """One row (1-D) or rows (2-D, each padded to a byte) of signed ints -> packed bytes."""
    v = np.asarray(values, dtype=np.int64)
    _check(v, bits)
    rows = v.reshape(1, -1) if v.ndim <= 1 else v.reshape(v.shape[0], -1)
    n = rows.shape[1]
    shifts = np.arange(bits, dtype=np.int64)
    stream = ((rows[:, :, None] & ((1 << bits) - 1)) >> shifts) & 1  # (rows, n, bits)
    stream = stream.reshape(rows.shape[0], n * bits)
    pad = row_bytes(n, bits) * 8 - n * bits
    stream = np.pad(stream, ((0, 0), (0, pad))).astype(np.uint8)
    return np.packbits(stream, axis=1, bitorder="little").tobytes()


def unpack(data, bits: int, n: int, rows: int | None = None) -> np.ndarray:
    """Packed bytes -> n signed values (int8), or (rows, n) when rows is given."""
    check_bits("unpack", bits)
    r = 1 if rows is None else rows
    raw = np.frombuffer(bytes(data), dtype=np.uint8)
    if raw.size != r * row_bytes(n, bits):
        raise ConfigError(f"unpack: wanted {r * row_bytes(n, bits)} bytes for {r} x {n} values at {bits} bits, "
                          f"got {raw.size}")  # fmt: skip
    stream = np.unpackbits(raw.reshape(r, -1), axis=1, bitorder="little")[:, : n * bits]
    vals = (stream.reshape(r, n, bits).astype(np.int64) << np.arange(bits)).sum(axis=2)
    vals = np.where(vals >= 1 << (bits - 1), vals - (1 << bits), vals).astype(np.int8)
    return vals[0] if rows is None else vals
