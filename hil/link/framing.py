"""COBS framing with CRC-32: bytes <-> frames (see firmware/include/hil/proto.h)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from cobs import cobs

from hil.errors import LinkError
from hil.link.protocol import CRC_BYTES, HEADER, MAX_PAYLOAD

MAX_FRAME = HEADER.size + MAX_PAYLOAD + CRC_BYTES


@dataclass(frozen=True)
class Frame:
    type: int
    status: int
    seq: int
    payload: bytes


class FrameError(LinkError):
    """A received frame could not be decoded; the stream resynchronises at the next 0x00."""


def encode(frame: Frame) -> bytes:
    """The wire bytes of one frame, delimiter included."""
    if len(frame.payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(frame.payload)} bytes; the limit is {MAX_PAYLOAD}")
    body = HEADER.pack(frame.type, frame.status, frame.seq) + frame.payload
    raw = body + zlib.crc32(body).to_bytes(CRC_BYTES, "little")
    return cobs.encode(raw) + b"\x00"


def decode(encoded: bytes) -> Frame:
    """Decode one frame's bytes (without the delimiter)."""
    try:
        raw = cobs.decode(encoded)
    except cobs.DecodeError as exc:
        raise FrameError(f"bad COBS encoding: {exc}") from None
    if len(raw) < HEADER.size + CRC_BYTES:
        raise FrameError(f"frame of {len(raw)} bytes is shorter than header and CRC")
    if len(raw) > MAX_FRAME:
        raise FrameError(f"frame of {len(raw)} bytes exceeds the {MAX_FRAME}-byte limit")
    body, crc = raw[:-CRC_BYTES], int.from_bytes(raw[-CRC_BYTES:], "little")
    if zlib.crc32(body) != crc:
        raise FrameError(f"CRC mismatch: frame says {crc:#010x}, data gives {zlib.crc32(body):#010x}")
    ftype, status, seq = HEADER.unpack_from(body)
    return Frame(ftype, status, seq, bytes(body[HEADER.size :]))


class FrameReader:
    """Splits a byte stream at 0x00 delimiters; yields frames or FrameErrors."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Frame | FrameError]:
        out: list[Frame | FrameError] = []
        self._buf += data
        while (end := self._buf.find(0)) >= 0:
            chunk, self._buf = bytes(self._buf[:end]), self._buf[end + 1 :]
            if not chunk:
                continue
            try:
                out.append(decode(chunk))
            except FrameError as exc:
                out.append(exc)
        if len(self._buf) > 2 * MAX_FRAME:  # no delimiter in sight: drop the garbage
            out.append(FrameError(f"{len(self._buf)} bytes without a delimiter"))
            self._buf.clear()
        return out
