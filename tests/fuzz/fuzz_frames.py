"""Link frames as the host receives them: a byte stream split at 0x00, each chunk COBS-decoded and
CRC-checked. Bad frames must come out as FrameError (a LinkError), never as anything else."""

import struct

from hil.errors import HilError
from hil.link.framing import Frame, FrameReader, decode, encode
from hil.link.protocol import SEQ_NONE, TYPE_EVENT, TYPE_REPLY, Cmd


def seeds() -> dict[str, bytes]:
    return {
        "hello": encode(Frame(Cmd.HELLO | TYPE_REPLY, 0, 1, struct.pack("<HH", 0x0100, 7))),
        "two": encode(Frame(Cmd.ECHO | TYPE_REPLY, 0, 2, b"abc\0def")) + encode(Frame(TYPE_EVENT | 1, 0, SEQ_NONE, b"\x01")),
        "big": encode(Frame(Cmd.INVOKE | TYPE_REPLY, 0, 3, bytes(range(256)) * 16)),
    }


def one_input(data: bytes) -> None:
    reader = FrameReader()
    half = len(data) // 2
    items = reader.feed(data[:half]) + reader.feed(data[half:])
    for item in items:
        if isinstance(item, Exception) and not isinstance(item, HilError):
            raise item
    try:
        decode(data.split(b"\x00", 1)[0])
    except HilError:
        pass
