"""Host framing: COBS + CRC-32 encode/decode, corruption detection, resync."""

import random
import zlib

import pytest

from hil.link import framing
from hil.link.framing import Frame, FrameError, FrameReader
from hil.link.protocol import MAX_PAYLOAD

EDGE_PAYLOADS = [b"", b"\x00", b"\x00" * 300, b"\xff" * 253, b"\x01" * 254, b"\x02" * 255, bytes(range(256)) * 3]


@pytest.mark.parametrize("payload", EDGE_PAYLOADS, ids=lambda p: f"{len(p)}B")
def test_round_trip(payload):
    frame = Frame(0x83, 0, 0x1234, payload)
    wire = framing.encode(frame)
    assert wire.endswith(b"\x00") and b"\x00" not in wire[:-1]
    assert framing.decode(wire[:-1]) == frame


def test_crc_is_zlib_crc32_little_endian():
    wire = framing.encode(Frame(1, 0, 7, b"abc"))
    from cobs import cobs

    raw = cobs.decode(wire[:-1])
    assert raw[:4] == bytes([1, 0, 7, 0])
    assert int.from_bytes(raw[-4:], "little") == zlib.crc32(raw[:-4])


def test_every_single_bit_flip_is_detected():
    wire = bytearray(framing.encode(Frame(3, 0, 9, bytes(range(1, 60)))))
    for i in range(len(wire) - 1):
        for bit in range(8):
            bad = bytearray(wire)
            bad[i] ^= 1 << bit
            if bad[i] == 0:  # a flip that makes a delimiter splits the frame: both parts must fail
                parts = [p for p in bytes(bad[:-1]).split(b"\x00") if p]
                assert all(isinstance(x, FrameError) for x in FrameReader().feed(b"".join(p + b"\x00" for p in parts)))
                continue
            with pytest.raises(FrameError):
                framing.decode(bytes(bad[:-1]))


def test_truncated_and_short_frames_are_errors():
    wire = framing.encode(Frame(3, 0, 9, b"hello"))
    for cut in range(1, len(wire) - 1):
        with pytest.raises(FrameError):
            framing.decode(wire[:cut])


def test_oversized_payload_refused():
    with pytest.raises(ValueError, match="limit is 4096"):
        framing.encode(Frame(3, 0, 1, b"x" * (MAX_PAYLOAD + 1)))


def test_reader_resynchronises_after_garbage():
    rng = random.Random(1)
    good = [Frame(0x83, 0, i, rng.randbytes(rng.randrange(0, 500))) for i in range(20)]
    stream = b""
    for f in good:
        stream += rng.randbytes(rng.randrange(1, 40)).replace(b"\x00", b"\x01") + b"\x00"  # garbage, then resync
        stream += framing.encode(f)
    reader = FrameReader()
    out = []
    for i in range(0, len(stream), 7):  # arrives in small pieces
        out += reader.feed(stream[i : i + 7])
    assert [x for x in out if isinstance(x, Frame)] == good
    assert sum(isinstance(x, FrameError) for x in out) == len(good)
