"""The .hilm blob: writer and reader. Format: firmware/include/hil/model.h."""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass

import numpy as np

from hil.errors import ModelError

MAGIC = 0x4D4C4948
VERSION = (1, 1)  # 1.1: exits (an op's exit bits, an exit mask's number in its tensor record)
HEADER = struct.Struct("<IHHIIIIIIIIIIIIII")  # 64 bytes
TENSOR = struct.Struct("<BBBB4iIIfiI")  # 40 bytes
OP = struct.Struct("<BBBBIII")  # 16 bytes
CRC_START = 16
DTYPE_CODES = {"float32": 0, "int8": 1, "int16": 2, "int32": 3, "uint8": 4, "int64": 5}
DTYPE_NAMES = {v: k for k, v in DTYPE_CODES.items()}
LOC_ARENA, LOC_BLOB = 0, 1
NONE_INDEX = 0xFFFF
U32_MAX = 0xFFFFFFFF
MAX_DIMS = 4
assert HEADER.size == 64 and TENSOR.size == 40 and OP.size == 16


@dataclass
class TensorRecord:
    dtype: str
    shape: tuple[int, ...]
    location: int
    offset: int
    scale: float = 0.0
    zero_point: int = 0
    exit: int = 0  # k + 1 when this output is exit k's mask (hil.compile.exits), else 0

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * np.dtype(self.dtype).itemsize

    def pack(self) -> bytes:
        dims = list(self.shape) + [0] * (4 - len(self.shape))
        return TENSOR.pack(DTYPE_CODES[self.dtype], len(self.shape), self.location, self.exit, *dims, self.offset,
                           self.nbytes, self.scale, self.zero_point, 0)  # fmt: skip


@dataclass
class OpRecord:
    code: int
    n_inputs: int
    n_outputs: int
    io_offset: int
    params_offset: int
    params_bytes: int
    exits: int = 0  # bit k set when exit k needs this op (hil.compile.exits); 0 in a model without exits


def _pad8(b: bytes) -> bytes:
    return b + b"\0" * ((-len(b)) % 8)


def write_blob(data: bytes, tensors: list[TensorRecord], ops: list[OpRecord], inputs: list[int],
               outputs: list[int], arena_bytes: int, macs_offset: int = 0) -> bytes:  # fmt: skip
    """Assemble a blob whose data section (starting at HEADER.size) is `data`. The header's last
    word points at a u32 table of MACs per op in the data section (host metadata; the board ignores it)."""
    data = _pad8(data)
    tensors_offset = HEADER.size + len(data)
    tensor_bytes = b"".join(t.pack() for t in tensors)
    ops_offset = tensors_offset + len(tensor_bytes)
    op_bytes = b"".join(OP.pack(o.code, o.n_inputs, o.n_outputs, o.exits, o.io_offset, o.params_offset, o.params_bytes)
                        for o in ops)  # fmt: skip
    inputs_offset = ops_offset + len(op_bytes)
    in_bytes = _pad8(struct.pack(f"<{len(inputs)}H", *inputs))
    outputs_offset = inputs_offset + len(in_bytes)
    out_bytes = _pad8(struct.pack(f"<{len(outputs)}H", *outputs))
    body = data + tensor_bytes + op_bytes + in_bytes + out_bytes
    total = HEADER.size + len(body)
    for what, value in (("model size", total), ("arena size", arena_bytes)):
        if value > U32_MAX:
            raise ModelError(f"the blob's {what} is {value:,} bytes; the format records up to {U32_MAX:,}")
    header = HEADER.pack(MAGIC, *VERSION, total, 0, arena_bytes, len(tensors), tensors_offset, len(ops), ops_offset,
                         len(inputs), inputs_offset, len(outputs), outputs_offset, HEADER.size, len(data), macs_offset)  # fmt: skip
    blob = bytearray(header + body)
    struct.pack_into("<I", blob, 12, zlib.crc32(blob[CRC_START:]))
    return bytes(blob)


@dataclass
class BlobInfo:
    header: dict
    tensors: list[TensorRecord]
    ops: list[OpRecord]
    inputs: list[int]
    outputs: list[int]
    macs: list[int]


_NAMES = ("magic", "version_major", "version_minor", "total_bytes", "crc32", "arena_bytes", "n_tensors",
          "tensors_offset", "n_ops", "ops_offset", "n_inputs", "inputs_offset", "n_outputs", "outputs_offset",
          "data_offset", "data_bytes", "macs_offset")  # fmt: skip


def _header(blob: bytes, label: str) -> dict:
    if len(blob) < HEADER.size:
        raise ModelError(f"{label}: {len(blob)} bytes is shorter than a .hilm header ({HEADER.size})")
    h = dict(zip(_NAMES, HEADER.unpack_from(blob)))
    if h["magic"] != MAGIC:
        raise ModelError(f"{label}: not a .hilm blob (magic {h['magic']:#010x})")
    if h["version_major"] != VERSION[0]:
        raise ModelError(f"{label}: blob version {h['version_major']}.{h['version_minor']}, wanted {VERSION[0]}.x")
    if h["total_bytes"] != len(blob) or zlib.crc32(blob[CRC_START:]) != h["crc32"]:
        raise ModelError(f"{label}: blob is truncated or corrupt (size or CRC mismatch)")
    return h


def _table(blob: bytes, label: str, what: str, offset: int, count: int, size: int) -> None:
    """A table of count records of size bytes at offset must lie after the header, inside the blob."""
    if offset < HEADER.size or offset + count * size > len(blob):
        raise ModelError(f"{label}: {what} table ({count:,} x {size} bytes at {offset:,}) wanted inside the "
                         f"blob's {HEADER.size}..{len(blob):,}")  # fmt: skip


def _tensor_record(label: str, i: int, f: tuple) -> TensorRecord:
    dtype, ndim, location, dims, offset, nbytes, scale, zp = f[0], f[1], f[2], f[4:8], f[8], f[9], f[10], f[11]
    where = f"{label}: tensor {i}"
    if dtype not in DTYPE_NAMES:
        raise ModelError(f"{where}: wanted a dtype code in {sorted(DTYPE_NAMES)}, got {dtype}")
    if ndim > MAX_DIMS or location not in (LOC_ARENA, LOC_BLOB):
        raise ModelError(f"{where}: wanted up to {MAX_DIMS} dimensions in the arena or the blob, got {ndim} "
                         f"dimensions, location {location}")  # fmt: skip
    record = TensorRecord(DTYPE_NAMES[dtype], tuple(dims[:ndim]), location, offset, scale, zp, f[3])
    if min(record.shape, default=0) < 0 or record.nbytes != nbytes or not math.isfinite(scale) or scale < 0:
        raise ModelError(f"{where}: {record.dtype}{list(record.shape)} wants {record.nbytes:,} bytes and a finite "
                         f"scale >= 0, the record says {nbytes:,} bytes, scale {scale:g}")  # fmt: skip
    return record


def _io(blob: bytes, label: str, h: dict, key: str, tensors: list[TensorRecord]) -> list[int]:
    count, offset = h[f"n_{key}"], h[f"{key}_offset"]
    if count < 1:
        raise ModelError(f"{label}: wanted at least one model {key[:-1]}, got none")
    _table(blob, label, key, offset, count, 2)
    indices = list(struct.unpack_from(f"<{count}H", blob, offset))
    for i in indices:
        if i >= len(tensors) or tensors[i].location != LOC_ARENA:
            raise ModelError(f"{label}: model {key[:-1]} {i}: wanted a tensor in the arena (of {len(tensors)}), "
                             "got " + ("no such tensor" if i >= len(tensors) else "a constant"))  # fmt: skip
    return indices


def read_blob(blob: bytes, label: str = "<blob>") -> BlobInfo:
    """Parse and check a blob's structure (what the host needs to run it): tables inside the blob, tensor
    records self-consistent, inputs and outputs arena tensors. The board checks the rest (offsets, params)."""
    h = _header(blob, label)
    _table(blob, label, "tensor", h["tensors_offset"], h["n_tensors"], TENSOR.size)
    tensors = [_tensor_record(label, i, TENSOR.unpack_from(blob, h["tensors_offset"] + i * TENSOR.size))
               for i in range(h["n_tensors"])]  # fmt: skip
    _table(blob, label, "op", h["ops_offset"], h["n_ops"], OP.size)
    ops = [OpRecord(*(lambda f: (f[0], f[1], f[2], f[4], f[5], f[6], f[3]))(OP.unpack_from(blob, h["ops_offset"] + i * 16)))  # noqa: E501
           for i in range(h["n_ops"])]  # fmt: skip
    inputs, outputs = _io(blob, label, h, "inputs", tensors), _io(blob, label, h, "outputs", tensors)
    macs = [0] * len(ops)
    if h["macs_offset"]:
        _table(blob, label, "MACs", h["macs_offset"], len(ops), 4)
        macs = list(struct.unpack_from(f"<{len(ops)}I", blob, h["macs_offset"]))
    return BlobInfo(h, tensors, ops, inputs, outputs, macs)
