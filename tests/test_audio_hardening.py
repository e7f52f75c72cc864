"""Audio input hardening: the one checked WAV reader refuses anything but whole 16 kHz mono 16-bit PCM
files with one line."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from hil.audio.wav import read_wav, write_wav
from hil.errors import ConfigError
from tests.fuzz.fuzz_wav import riff

WANTED = "wanted a 16 kHz mono 16-bit PCM WAV, got"
PCM = np.array([(i * 997) % 20000 - 10000 for i in range(300)], dtype="<i2")
EXTENSIBLE_PCM = struct.pack("<HHI", 22, 16, 4) + b"\x01\x00" + bytes(14)  # cbSize, bits, mask, PCM subformat
EXTENSIBLE_FLOAT = struct.pack("<HHI", 22, 32, 4) + b"\x03\x00" + bytes(14)
LIST = b"LIST" + struct.pack("<I", 5) + b"INFO!" + b"\x00"  # an odd-sized chunk and its pad byte

BAD_WAVS = {
    "empty": (b"", "an empty file"),
    "text": (b"this is a text file, not audio\n", "no RIFF/WAVE header"),
    "float": (riff(np.zeros(100, "<f4").tobytes(), tag=3, bits=32), "16 kHz mono 32-bit IEEE float"),
    "float-extensible": (riff(bytes(400), tag=0xFFFE, bits=32, fmt_extra=EXTENSIBLE_FLOAT), "32-bit IEEE float"),
    "a-law": (riff(bytes(100), tag=6, bits=8), "16 kHz mono 8-bit A-law"),
    "stereo": (riff(np.repeat(PCM, 2).tobytes(), channels=2), "16 kHz stereo 16-bit PCM"),
    "44k": (riff(PCM.tobytes(), rate=44100), "44.1 kHz mono 16-bit PCM"),
    "8-bit": (riff(bytes(300), bits=8), "16 kHz mono 8-bit PCM"),
    "truncated": (riff(PCM.tobytes(), data_size=2000), "a truncated file: its header says 1000 samples, it holds 300"),
    "streamed": (riff(PCM.tobytes(), data_size=0xFFFFFFFF), "a truncated file"),
    "zero-frames": (riff(b""), "no samples"),
    "odd-data": (riff(PCM.tobytes()[:-1]), "a data chunk of 599 bytes"),
    "no-data": (riff(b"")[:-8], "no 'data' chunk"),
    "no-fmt": (b"RIFF\x14\x00\x00\x00WAVEdata\x02\x00\x00\x00\x01\x00", "no 'fmt ' chunk before the 'data' chunk"),
    "short-fmt": (b"RIFF\x1c\x00\x00\x00WAVEfmt \x04\x00\x00\x00\x01\x00\x01\x00data\x02\x00\x00\x00\x01\x00",
                  "a 'fmt ' chunk of 4 bytes"),  # fmt: skip
    "short-extensible": (riff(PCM.tobytes(), tag=0xFFFE, fmt_extra=b"\x00\x00"), "extensible format without"),
}


@pytest.mark.parametrize("name", BAD_WAVS)
def test_read_wav_refuses_in_one_line(tmp_path, name):
    raw, got = BAD_WAVS[name]
    path = tmp_path / f"{name}.wav"
    path.write_bytes(raw)
    with pytest.raises(ConfigError) as err:
        read_wav(path)
    message = str(err.value)
    assert message.startswith(f"{path}: {WANTED} ") and got in message, message
    assert "\n" not in message


def test_read_wav_of_a_folder_or_a_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=f"{tmp_path}: cannot read"):
        read_wav(tmp_path)
    with pytest.raises(ConfigError, match="cannot read.*No such file"):
        read_wav(tmp_path / "gone.wav")


@pytest.mark.parametrize(
    "raw",
    [riff(PCM.tobytes()), riff(PCM.tobytes(), chunks=LIST), riff(PCM.tobytes(), tag=0xFFFE, fmt_extra=EXTENSIBLE_PCM),
     riff(PCM.tobytes()) + b"id3 \x02\x00\x00\x00ab"],
    ids=["plain", "list-chunk", "extensible", "trailing-chunk"],
)  # fmt: skip
def test_read_wav_reads_pcm_files(tmp_path, raw):
    path = tmp_path / "ok.wav"
    path.write_bytes(raw)
    pcm, rate = read_wav(path)
    assert rate == 16000 and pcm.dtype == np.int16 and np.array_equal(pcm, PCM)


def test_write_then_read_round_trips(tmp_path):
    write_wav(tmp_path / "a.wav", PCM)
    pcm, _ = read_wav(tmp_path / "a.wav")
    assert np.array_equal(pcm, PCM)
