"""WAV files as `read_wav` reads them (the corpus loader, `hil profile`, the se task): anything but a
whole 16 kHz mono 16-bit PCM file must come out as ConfigError, never as anything else."""

import struct
import tempfile
from pathlib import Path

from hil.audio.wav import read_wav
from hil.errors import HilError


def riff(data: bytes, rate=16000, channels=1, bits=16, tag=1, chunks=b"", fmt_extra=b"", data_size=None) -> bytes:
    """A RIFF/WAVE file: a 'fmt ' chunk, then `chunks` (already framed), then a 'data' chunk holding `data`
    whose size field says `data_size` (default: the true size)."""
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits) + fmt_extra
    size = len(data) if data_size is None else data_size
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + chunks + b"data" + struct.pack("<I", size) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _tone(n: int, channels: int = 1) -> bytes:
    return b"".join(struct.pack("<h", (i * 997) % 20000 - 10000) * channels for i in range(n))


def seeds() -> dict[str, bytes]:
    software = b"INFO" + b"ISFT" + struct.pack("<I", 1) + b"h"  # 13 bytes: an odd-sized chunk, then a pad byte
    info = b"LIST" + struct.pack("<I", len(software)) + software + b"\x00"
    return {
        "mono-300.wav": riff(_tone(300)),
        "mono-160-list.wav": riff(_tone(160), chunks=info),
        "stereo-200.wav": riff(_tone(200, 2), channels=2),
        "u8-400.wav": riff(bytes(range(0, 256, 2)) * 3 + bytes(16), bits=8),
    }


def one_input(data: bytes) -> None:
    # a folder per input: libFuzzer ends the process without Python's clean-up, so nothing may outlive a call
    with tempfile.TemporaryDirectory(prefix="hil-fuzz-wav-") as tmp:
        path = Path(tmp) / "input.wav"
        path.write_bytes(data)
        try:
            read_wav(path)
        except HilError:
            pass

