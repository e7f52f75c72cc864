"""WAV files as the speech chain takes them: 16 kHz mono 16-bit PCM, checked on the way in.

`read_wav` is the one reader of every caller (the corpus loader, `hil profile`, the se task, the
evaluations): a file that is not exactly that format, has no samples, or whose header promises more
samples than the file holds is a ConfigError naming the file, what was wanted and what was got. The
RIFF chunks are walked here rather than by the `wave` module, which raises EOFError, struct.error or
wave.Error ("unknown format: 3") on such files, reads stereo as interleaved frames, and cannot say
that a file is float.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hil.audio.speech import SAMPLE_RATE
from hil.errors import ConfigError

WANTED = f"a {SAMPLE_RATE / 1000:g} kHz mono 16-bit PCM WAV"
PCM, FLOAT, EXTENSIBLE = 1, 3, 0xFFFE
_NAMES = {PCM: "PCM", FLOAT: "IEEE float", 6: "A-law", 7: "mu-law"}


@dataclass(frozen=True)
class Format:
    tag: int  # WAVE format code; an extensible file's subformat code
    channels: int
    rate: int
    bits: int

    def __str__(self) -> str:
        layout = {1: "mono", 2: "stereo"}.get(self.channels, f"{self.channels}-channel")
        if self.tag == EXTENSIBLE:
            name = "extensible format without its subformat"
        else:
            name = _NAMES.get(self.tag, f"WAVE format 0x{self.tag:04x}")
        return f"{self.rate / 1000:g} kHz {layout} {self.bits}-bit {name}"


class _Refused(Exception):
    """What a file is instead of a wanted WAV; read_wav turns it into the one-line ConfigError."""


def _format(chunk: bytes) -> Format:
    if len(chunk) < 16:
        raise _Refused(f"a 'fmt ' chunk of {len(chunk)} bytes (16 or more wanted)")
    tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", chunk)
    if tag == EXTENSIBLE and len(chunk) >= 26:  # cbSize, valid bits, channel mask, then the subformat GUID
        tag = struct.unpack_from("<H", chunk, 24)[0]
    return Format(tag, channels, rate, bits)


def _layout(raw: bytes) -> tuple[Format, int, int]:
    """The format, and the offset and size (as the header says) of the samples."""
    if not raw:
        raise _Refused("an empty file")
    if len(raw) < 12 or raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise _Refused(f"no RIFF/WAVE header (the file starts {raw[:12]!r})")
    fmt, pos = None, 12
    while pos + 8 <= len(raw):
        kind, size = struct.unpack_from("<4sI", raw, pos)
        if kind == b"data":
            if fmt is None:
                raise _Refused("no 'fmt ' chunk before the 'data' chunk")
            return fmt, pos + 8, size
        if kind == b"fmt ":
            fmt = _format(raw[pos + 8 : pos + 8 + size])
        pos += 8 + size + (size & 1)  # chunks are padded to even sizes
    raise _Refused("no 'data' chunk")


def _samples(raw: bytes) -> np.ndarray:
    fmt, offset, size = _layout(raw)
    if fmt != Format(PCM, 1, SAMPLE_RATE, 16):
        raise _Refused(str(fmt))
    if size == 0:
        raise _Refused("no samples (an empty data chunk)")
    held = len(raw) - offset
    if held < size:
        raise _Refused(f"a truncated file: its header says {size // 2} samples, it holds {held // 2}")
    if size % 2:
        raise _Refused(f"a data chunk of {size} bytes (not whole 16-bit samples)")
    return np.frombuffer(raw, "<i2", size // 2, offset).astype(np.int16)


def read_wav(path: Path | str) -> tuple[np.ndarray, int]:
    """int16 samples of a whole 16 kHz mono 16-bit PCM WAV, and its rate (always 16000)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return _samples(raw), SAMPLE_RATE
    except _Refused as exc:
        raise ConfigError(f"{path}: wanted {WANTED}, got {exc}") from None


def write_wav(path: Path, x: np.ndarray) -> None:
    """int16 samples as a 16 kHz mono 16-bit PCM WAV."""
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(np.asarray(x, dtype="<i2").tobytes())
