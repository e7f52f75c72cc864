"""Audio input hardening: the one checked WAV reader and the commands that read audio (`hil profile`,
the se task) refuse anything but whole 16 kHz mono 16-bit PCM files with one line, before any work."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from hil.audio.corpus import Pair
from hil.audio.wav import read_wav, write_wav
from hil.cli import main
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


@pytest.fixture
def no_model_no_board(monkeypatch):
    """Bad input must stop `hil profile` before the model is compiled and before a board is brought up."""
    import hil.profile.models
    import hil.targets

    def bring_up(*args, **kw):
        raise AssertionError("a board was brought up")

    monkeypatch.setattr(hil.targets, "target_for", bring_up)
    monkeypatch.setattr(hil.profile.models, "resolve_tflite", lambda spec: (spec, b"not a model: never compiled"))


def _audio(tmp_path, noisy: bytes, clean: bytes | None = None):
    root = tmp_path / "audio"
    (root / "test" / "noisy").mkdir(parents=True)
    (root / "test" / "noisy" / "u1.wav").write_bytes(riff(PCM.tobytes()))
    (root / "test" / "noisy" / "u2.wav").write_bytes(noisy)
    if clean is not None:
        (root / "test" / "clean").mkdir()
        (root / "test" / "clean" / "u1.wav").write_bytes(riff(PCM.tobytes()))
        (root / "test" / "clean" / "u2.wav").write_bytes(clean)
    return root


def _profile_error(capsys, *argv) -> str:
    assert main(["profile", "--board", "qemu-f446", *map(str, argv)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hil: error: "), err
    return err[0].removeprefix("hil: error: ")


@pytest.mark.parametrize("name", ["empty", "text", "float", "stereo", "44k", "truncated", "zero-frames", "8-bit"])
def test_profile_refuses_bad_noisy_audio_before_any_board_work(tmp_path, capsys, no_model_no_board, name):
    raw, got = BAD_WAVS[name]
    audio = _audio(tmp_path, raw)
    message = _profile_error(capsys, "--audio", audio, "--out", tmp_path / "out")
    assert message.startswith(f"{audio}/test/noisy/u2.wav: {WANTED} ") and got in message, message


def test_profile_refuses_bad_or_mismatched_clean_audio(tmp_path, capsys, no_model_no_board):
    stereo, got = BAD_WAVS["stereo"]
    audio = _audio(tmp_path, riff(PCM.tobytes()), clean=stereo)
    message = _profile_error(capsys, "--audio", audio, "--out", tmp_path / "out")
    assert message.startswith(f"{audio}/test/clean/u2.wav: {WANTED} ") and got in message, message
    short = tmp_path / "short"
    audio = _audio(short, riff(PCM.tobytes()), clean=riff(PCM[:200].tobytes()))
    message = _profile_error(capsys, "--audio", audio, "--out", tmp_path / "out")
    assert message == f"{audio}/test/clean/u2.wav: wanted the 300 samples of {audio}/test/noisy/u2.wav, got 200"


def _blocker(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    return blocker


@pytest.mark.parametrize(
    "option, where, wanted",
    [
        ("--out", lambda t: _blocker(t) / "out", "--out: wanted a folder hil can create, got {} (Not a directory)"),
        ("--out", _blocker, "--out: wanted a folder, got {}, which is a file"),
        ("--json", lambda t: _blocker(t) / "r.json", "--json: wanted a file in a folder, got {}"),
        ("--json", lambda t: t, "--json: wanted a file name, got {}, which is a folder"),
    ],
    ids=["out-under-a-file", "out-is-a-file", "json-under-a-file", "json-is-a-folder"],
)
def test_profile_checks_every_output_before_any_board_work(tmp_path, capsys, no_model_no_board, option, where,
                                                           wanted):  # fmt: skip
    audio, target = _audio(tmp_path, riff(PCM.tobytes())), where(tmp_path)
    argv = ["--audio", audio, "--out", tmp_path / "out", option, target]
    assert _profile_error(capsys, *argv).startswith(wanted.format(target))


@pytest.mark.parametrize("inside, make", [("enhanced", "file"), ("profile.json", "dir"),
                                          ("quality_vs_cost.png", "dir")])  # fmt: skip
def test_profile_checks_the_files_inside_its_output_folder(tmp_path, capsys, no_model_no_board, inside, make):
    out = tmp_path / "out"
    out.mkdir()
    (out / inside).write_text("x") if make == "file" else (out / inside).mkdir()
    message = _profile_error(capsys, "--audio", _audio(tmp_path, riff(PCM.tobytes())), "--out", out)
    assert message.startswith("--out: wanted a ") and str(out / inside) in message, message


def test_se_task_refuses_stereo_audio(tmp_path):
    """The se task reads through the same checked reader: a stereo file is refused, not cut to its first channel."""
    from hil.tasks.se import _segments

    (tmp_path / "n.wav").write_bytes(riff(PCM.tobytes()))
    (tmp_path / "c.wav").write_bytes(BAD_WAVS["stereo"][0])
    with pytest.raises(ConfigError, match=f"{tmp_path}/c.wav: {WANTED} 16 kHz stereo"):
        _segments([Pair("u", tmp_path / "n.wav", tmp_path / "c.wav")])
