"""The offline noisy-speech corpus (`hil data speech`) and its loader."""

from __future__ import annotations

import argparse
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from hil.audio import noise
from hil.audio.cli import add_data_parser
from hil.audio.corpus import SPLITS, generate, load_split, plan, read_manifest, write_wav
from hil.errors import ConfigError, HilError

N = 16  # enough for two workers to be used, and for every noise type to appear
PARAMS = dict(utterances=N, snr=(-5.0, 20.0), max_words=6, progress=False)


def files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "corpus.json"
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus") / "a"
    res = generate(root, seed=1, workers=2, **PARAMS)
    assert not res.reused
    return root


def run_cli(*argv) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="hil")
    add_data_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    try:
        args.func(args)
    except HilError as exc:
        return 1, str(exc)
    return 0, ""


def test_same_seed_same_bytes_other_seed_differs(corpus, tmp_path):
    generate(tmp_path / "same", seed=1, workers=1, **PARAMS)  # one worker: the bytes do not depend on it
    generate(tmp_path / "other", seed=2, workers=2, **PARAMS)
    a, same, other = files(corpus), files(tmp_path / "same"), files(tmp_path / "other")
    assert len(a) == 2 * N + 1 and a == same
    assert a["manifest.csv"] != other["manifest.csv"]
    assert all(a[k] != other[k] for k in a if k.endswith(".wav"))


def test_splits_share_no_variant_and_no_sentence(corpus):
    rows = read_manifest(corpus)
    assert [r["split"] for r in rows].count("train") == N - 4
    for i, s in enumerate(SPLITS):
        for t in SPLITS[i + 1 :]:
            assert not {r["variant"] for r in rows if r["split"] == s} & {r["variant"] for r in rows if r["split"] == t}
            assert not {r["text"] for r in rows if r["split"] == s} & {r["text"] for r in rows if r["split"] == t}
    # babble talkers come from their own split's variants and sentences too
    specs = plan(1, N, (-5.0, 20.0), list(noise.NOISES), 6)
    for spec in specs:
        for t in spec["talkers"]:
            others = [sp for sp in specs if sp["split"] != spec["split"]]
            assert t["text"] not in {o["text"] for o in others}
            assert t["variant"] not in {o["variant"] for o in others}
    assert {r["split"] for r in rows} == set(SPLITS) and any(s["talkers"] for s in specs)


def read(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)


def active_snr(clean: np.ndarray, noisy: np.ndarray) -> float:
    """Recomputed here as documented: clean power over 20 ms frames within 40 dB of the loudest."""
    frames = clean[: len(clean) // 320 * 320].reshape(-1, 320)
    energy = (frames**2).mean(axis=1)
    speech = energy[energy >= energy.max() * 1e-4].mean()
    return 10 * np.log10(speech / ((noisy - clean) ** 2).mean())


def test_pairs_format_and_snr(corpus):
    rows = {r["id"]: r for r in read_manifest(corpus)}
    targets = {s["id"]: s["snr_target"] for s in plan(1, N, (-5.0, 20.0), list(noise.NOISES), 6)}
    seen = 0
    for split in SPLITS:
        for pair in load_split(corpus, split):
            clean, noisy = read(pair.clean_path), read(pair.noisy_path)
            row = rows[pair.id]
            assert len(clean) == len(noisy) and abs(len(clean) / 16000 - float(row["seconds"])) <= 5e-5
            assert np.abs(noisy).max() < 32767 and np.abs(clean).max() > 1000
            snr = active_snr(clean, noisy)
            assert abs(snr - float(row["snr_db"])) < 0.5 and abs(snr - targets[pair.id]) < 0.5
            assert -5.5 < snr < 20.5
            seen += 1
    assert seen == N
    assert {r["noise"] for r in rows.values()} == set(noise.NOISES)


@pytest.mark.parametrize("name", noise.NOISES)
def test_each_noise(name):
    rng = np.random.default_rng(0)
    n = 16000 * 2
    x = (
        noise.babble(rng, n, [np.sin(np.arange(8000 + 1000 * k) * 0.05 * (k + 1)) for k in range(3)])
        if name == "babble"
        else noise.GENERATORS[name](rng, n)
    )
    assert x.shape == (n,) and np.isfinite(x).all()
    assert np.sqrt(np.mean(x**2)) == pytest.approx(1.0, rel=1e-6)
    power = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(n, 1 / 16000)
    if name == "brown":  # high-passed: most of its power is in the speech band
        assert power[f >= 100].sum() / power.sum() > 0.8
    if name == "clicks":  # sparse
        assert np.mean(np.abs(x) > 0.1 * np.abs(x).max()) < 0.02


def test_cache_reused_and_regenerated(tmp_path, capsys):
    root = tmp_path / "c"
    assert run_cli(
        "data", "speech", "--out", str(root), "--utterances", "6", "--seed", "4", "--snr", "-5:20", "--max-words", "5"
    ) == (0, "")
    capsys.readouterr()
    stamps = {p: p.stat().st_mtime_ns for p in root.rglob("*")}
    t0 = time.perf_counter()
    assert run_cli(
        "data", "speech", "--out", str(root), "--utterances", "6", "--seed", "4", "--snr=-5:20", "--max-words", "5"
    ) == (0, "")
    assert time.perf_counter() - t0 < 0.5
    assert "reusing the corpus" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*")} == stamps
    # other parameters: the corpus is regenerated in place
    assert run_cli("data", "speech", "--out", str(root), "--utterances", "6", "--seed", "5", "--max-words", "5") == (
        0,
        "",
    )
    assert "regenerated" in capsys.readouterr().out
    assert len(read_manifest(root)) == 6
    # a folder that is not a corpus is never written into
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    code, msg = run_cli("data", "speech", "--out", str(tmp_path / "mine"), "--utterances", "6")
    assert code == 1 and "holds no corpus.json" in msg and "\n" not in msg


def test_loader_without_clean_and_missing_split(tmp_path):
    noisy = tmp_path / "val" / "noisy"
    noisy.mkdir(parents=True)
    for name in ("p232_002", "p232_001"):
        write_wav(noisy / f"{name}.wav", np.zeros(160, dtype=np.int16))
    pairs = load_split(tmp_path, "val")
    assert [p.id for p in pairs] == ["p232_001", "p232_002"]
    assert all(p.clean_path is None and p.noisy_path.is_file() for p in pairs)
    with pytest.raises(ConfigError) as err:
        load_split(tmp_path, "test")
    assert str(err.value) == f"wanted {tmp_path}/test/noisy/*.wav, found none"
    (tmp_path / "val" / "clean").mkdir()
    with pytest.raises(ConfigError, match="p232_001.wav"):
        load_split(tmp_path, "val")


@pytest.mark.parametrize(
    "args, wanted",
    [
        (["--snr", "x"], "--snr: wanted LOW:HIGH in dB, got 'x'"),
        (["--snr", "20:-5"], "--snr: wanted LOW:HIGH in dB, got '20:-5'"),
        (["--noises", "white,rain"], "--noises: unknown noise 'rain'; known: white,pink,brown,babble,hum,fan,clicks"),
        (["--utterances", "2"], "--utterances: wanted at least 3 (one per split), got 2"),
    ],
)
def test_one_line_errors(tmp_path, args, wanted):
    argv = ["data", "speech", "--out", str(tmp_path / "x"), "--utterances", "12", *args]
    assert run_cli(*argv) == (1, wanted)
    assert not (tmp_path / "x").exists()


@pytest.fixture
def no_generation(monkeypatch):
    """A refused --out must stop `hil data speech` before any utterance is planned or synthesised."""
    import hil.audio.corpus as corpus

    def plan(*args, **kw):
        raise AssertionError("generation started")

    monkeypatch.setattr(corpus, "plan", plan)


def _read_only(monkeypatch, folder: Path) -> None:
    """`folder` refuses new files as a read-only one would (the tests run as root, who may write anywhere)."""
    import tempfile

    real = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kw):
        if dir is not None and Path(dir) == folder:
            raise PermissionError(13, "Permission denied")
        return real(*args, dir=dir, **kw)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


@pytest.mark.parametrize(
    "where, wanted",
    [
        (lambda t: t / "a-file" / "corpus", "--out: wanted a folder hil can create, got {} (Not a directory)"),
        (lambda t: t / "a-file", "--out: wanted a folder, got {}, which is a file"),
        (lambda t: t / "read-only", "--out: wanted a writable location, got {} (Permission denied)"),
    ],
    ids=["under-a-file", "a-file", "read-only"],
)
def test_unwritable_out_is_one_line_before_any_generation(tmp_path, monkeypatch, no_generation, where, wanted):
    (tmp_path / "a-file").write_text("in the way")
    (tmp_path / "read-only").mkdir()
    _read_only(monkeypatch, tmp_path / "read-only")
    out = where(tmp_path)
    assert run_cli("data", "speech", "--out", str(out), "--utterances", "6") == (1, wanted.format(out))


def test_finished_corpus_in_a_read_only_folder_is_reused(corpus, monkeypatch):
    _read_only(monkeypatch, corpus)
    assert generate(corpus, seed=1, **PARAMS).reused


@pytest.mark.parametrize("stored", [b"[1, 2]", b"{not json", b"\xff\xfe{}"], ids=["a-list", "not-json", "not-utf8"])
def test_damaged_corpus_json_or_manifest_is_made_again(tmp_path, stored):
    root = tmp_path / "c"
    assert run_cli("data", "speech", "--out", str(root), "--utterances", "3", "--max-words", "5") == (0, "")
    (root / "corpus.json").write_bytes(stored)
    assert run_cli("data", "speech", "--out", str(root), "--utterances", "3", "--max-words", "5") == (0, "")
    (root / "manifest.csv").write_bytes(b"id,split\n\xff\xfe,\n")
    assert run_cli("data", "speech", "--out", str(root), "--utterances", "3", "--max-words", "5") == (0, "")
    assert len(read_manifest(root)) == 3


def test_max_words_below_the_grammar_is_refused_at_once(tmp_path):
    """--max-words 3 passed the check and then ground for minutes: no sentence of the grammar is that short."""
    code, err = run_cli("data", "speech", "--out", str(tmp_path / "c"), "--utterances", "3", "--max-words", "3")
    assert code == 1 and "--max-words: wanted at least 4" in err and "got 3" in err
    assert not (tmp_path / "c").exists()
