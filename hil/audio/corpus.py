"""The offline noisy-speech corpus: generation, manifest and cache.

Layout (also what `hil.audio.layout.load_split` reads, so VoiceBank+DEMAND or DNS data arranged this way works too):

    DIR/<split>/noisy/<id>.wav     16 kHz mono int16
    DIR/<split>/clean/<id>.wav     the same names; the folder may be missing (clean is then None)
    DIR/manifest.csv               id, split, voice, variant, rate, pitch, text, noise, snr_db, seconds
    DIR/corpus.json                the generation parameters (the cache key)

Splits: the `+variant` voices and the sentences are partitioned between train/val/test first (80/10/10),
then every utterance draws from its own split's share, so no variant and no sentence is in two splits.
Utterance i draws everything from a generator seeded with (seed, i), so the bytes depend only on the
parameters, never on the number of workers.

SNR is measured on active speech: the clean power is the mean square over the 20 ms frames whose energy
is within 40 dB of the loudest frame (espeak's pauses are left out); the noise power is the mean square
of the noise over the whole utterance. `snr_db` in the manifest is that ratio for the written files.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hil.audio import noise as noises_mod
from hil.audio.layout import Pair, load_split, read_manifest, write_manifest  # noqa: F401 (readers re-exported)
from hil.audio.speech import (
    ACCENTS,
    PITCH_RANGE,
    RATE_RANGE,
    SAMPLE_RATE,
    VARIANTS,
    check_voices,
    espeak_version,
    sentence_pool,
    synthesize,
)
from hil.audio.wav import read_wav, write_wav  # noqa: F401 (read_wav re-exported)
from hil.errors import ConfigError
from hil.outputs import writable_dir

SPLITS = ("train", "val", "test")
FORMAT = 1
SENTENCES = 600  # the pool partitioned between splits: 480/60/60
ACTIVE_FRAME = 320  # 20 ms
ACTIVE_RANGE_DB = 40.0
SPEECH_LEVEL_DBFS = -26.0  # active-speech level of the clean file before clipping protection
PEAK = 0.97


# ---------------------------------------------------------------- options


def parse_snr(text: str) -> tuple[float, float]:
    m = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*:\s*(-?\d+(?:\.\d+)?)\s*", str(text))
    if not m or float(m.group(1)) > float(m.group(2)):
        raise ConfigError(f"--snr: wanted LOW:HIGH in dB, got {text!r}")
    return float(m.group(1)), float(m.group(2))


def parse_noises(text: str) -> list[str]:
    names = [s.strip() for s in str(text).split(",") if s.strip()]
    unknown = [s for s in names if s not in noises_mod.NOISES]
    if unknown or not names:
        what = f"unknown noise {unknown[0]!r}" if unknown else "no noise given"
        raise ConfigError(f"--noises: {what}; known: {','.join(noises_mod.NOISES)}")
    return list(dict.fromkeys(names))


def split_counts(n: int) -> dict[str, int]:
    if n < len(SPLITS):
        raise ConfigError(f"--utterances: wanted at least 3 (one per split), got {n}")
    small = max(1, round(0.1 * n))
    return {"train": n - 2 * small, "val": small, "test": small}


def _partition(items: list, rng: np.random.Generator) -> dict[str, list]:
    order = [items[i] for i in rng.permutation(len(items))]
    counts = split_counts(len(items))
    out, start = {}, 0
    for split in SPLITS:
        out[split] = order[start : start + counts[split]]
        start += counts[split]
    return out


# ---------------------------------------------------------------- planning and rendering


def _voice(rng, variants) -> dict:
    return {
        "voice": str(rng.choice(ACCENTS)),
        "variant": str(rng.choice(variants)),
        "rate": int(rng.integers(RATE_RANGE[0], RATE_RANGE[1] + 1)),
        "pitch": int(rng.integers(PITCH_RANGE[0], PITCH_RANGE[1] + 1)),
    }


def plan(seed: int, n: int, snr: tuple[float, float], noises: list[str], max_words: int = 12) -> list[dict]:
    """Every utterance's full recipe, drawn in this process: utterance i from a generator on (seed, 1, i)."""
    counts = split_counts(n)
    pools = np.random.default_rng([seed, 0])
    variants = _partition(sorted(VARIANTS), pools)
    sentences = _partition(sentence_pool(pools, SENTENCES, max_words), pools)
    offset = int(pools.integers(len(noises)))
    specs = []
    index = 0
    for split in SPLITS:
        for _ in range(counts[split]):
            rng = np.random.default_rng([seed, 1, index])
            spec = {"index": index, "id": f"u{index:05d}", "split": split, "seed": seed}
            spec |= _voice(rng, variants[split])
            spec["text"] = str(rng.choice(sentences[split]))
            spec["noise"] = noises[(index + offset) % len(noises)]
            spec["snr_target"] = round(float(rng.uniform(*snr)), 2)
            spec["talkers"] = []
            if spec["noise"] == "babble":
                others = [s for s in sentences[split] if s != spec["text"]] or sentences[split]
                for _ in range(int(rng.integers(3, 7))):
                    spec["talkers"].append(_voice(rng, variants[split]) | {"text": str(rng.choice(others))})
            specs.append(spec)
            index += 1
    return specs


def active_power(clean: np.ndarray) -> float:
    """Mean square over the 20 ms frames within 40 dB of the loudest (the corpus's speech power)."""
    x = np.asarray(clean, dtype=np.float64)
    frames = x[: len(x) // ACTIVE_FRAME * ACTIVE_FRAME].reshape(-1, ACTIVE_FRAME)
    if len(frames) == 0:
        return float(np.mean(x**2))
    energy = np.mean(frames**2, axis=1)
    active = energy >= energy.max() * 10 ** (-ACTIVE_RANGE_DB / 10)
    return float(np.mean(energy[active]))


def snr_db(clean: np.ndarray, noisy: np.ndarray) -> float:
    """The corpus's SNR of a pair: active-speech power of clean over the mean square of noisy - clean."""
    c = np.asarray(clean, dtype=np.float64)
    d = np.asarray(noisy, dtype=np.float64) - c
    return 10 * np.log10(active_power(c) / np.mean(d**2))


def render(spec: dict, out: str) -> dict:
    """Synthesise, mix and write one utterance; returns its manifest row."""
    clean = synthesize(spec["voice"], spec["variant"], spec["rate"], spec["pitch"], spec["text"])
    n = len(clean)
    rng = np.random.default_rng([spec["seed"], 2, spec["index"]])
    if spec["noise"] == "babble":
        talkers = [synthesize(t["voice"], t["variant"], t["rate"], t["pitch"], t["text"]) for t in spec["talkers"]]
        noise = noises_mod.babble(rng, n, talkers)
    else:
        noise = noises_mod.GENERATORS[spec["noise"]](rng, n)
    clean = clean * (10 ** (SPEECH_LEVEL_DBFS / 20) / np.sqrt(active_power(clean)))
    gain = np.sqrt(active_power(clean) / 10 ** (spec["snr_target"] / 10))
    noisy = clean + gain * noise
    peak = max(np.abs(noisy).max(), np.abs(clean).max())
    scale = 32767.0 * min(1.0, PEAK / peak)
    clean_i = np.round(clean * scale).astype(np.int16)
    noisy_i = np.round(noisy * scale).astype(np.int16)
    base = Path(out) / spec["split"]
    write_wav(base / "clean" / f"{spec['id']}.wav", clean_i)
    write_wav(base / "noisy" / f"{spec['id']}.wav", noisy_i)
    row = {k: spec[k] for k in ("id", "split", "voice", "variant", "rate", "pitch", "text", "noise")}
    return row | {"snr_db": f"{snr_db(clean_i, noisy_i):.2f}", "seconds": f"{n / SAMPLE_RATE:.4f}"}


def _render_star(args):
    return render(*args)


# ---------------------------------------------------------------- the corpus


def corpus_params(seed: int, n: int, snr: tuple[float, float], noises: list[str], max_words: int) -> dict:
    return {
        "kind": "hil-speech-corpus",
        "format": FORMAT,
        "seed": seed,
        "utterances": n,
        "snr_db": [snr[0], snr[1]],
        "snr_measured_on": "active speech (20 ms frames within 40 dB of the loudest) over whole-utterance noise",
        "noises": noises,
        "max_words": max_words,
        "sample_rate": SAMPLE_RATE,
        "espeak_ng": espeak_version(),
    }


def _complete(out: Path, params: dict) -> bool:
    try:  # anything unreadable or damaged is not a finished corpus: it is made again
        stored = json.loads((out / "corpus.json").read_text())
        rows = read_manifest(out)
    except (OSError, ValueError, ConfigError):
        return False
    if not isinstance(stored, dict) or stored.get("params") != params or not stored.get("complete"):
        return False
    return len(rows) == params["utterances"] and all(
        (out / f"{r.get('split')}" / kind / f"{r.get('id')}.wav").is_file() for r in rows for kind in ("clean", "noisy")
    )


@dataclass
class Result:
    out: Path
    reused: bool
    counts: dict[str, int]
    seconds: float
    note: str = ""


def _prepare(out: Path, params: dict, what: str) -> str:
    """Make `out` ready for a new corpus (after checking it can be written); a note when an old one went."""
    writable_dir(out, what)  # only here: a finished corpus is reused from a read-only folder
    note = ""
    if (out / "corpus.json").exists():
        note = f"{out} held a corpus with other parameters (or an unfinished one): regenerated"
        for split in SPLITS:
            shutil.rmtree(out / split, ignore_errors=True)
        for name in ("manifest.csv", "corpus.json"):
            (out / name).unlink(missing_ok=True)
    elif any(out.iterdir()):
        raise ConfigError(f"{out} is not empty and holds no corpus.json: not writing into it; "
                          "give a new or empty folder")  # fmt: skip
    for split in SPLITS:
        for kind in ("clean", "noisy"):
            (out / split / kind).mkdir(parents=True, exist_ok=True)
    (out / "corpus.json").write_text(json.dumps({"params": params, "complete": False}, indent=2) + "\n")
    return note


def generate(
    out,
    utterances: int,
    seed: int = 0,
    snr: tuple[float, float] = (-5.0, 20.0),
    noises: list[str] | None = None,
    max_words: int = 12,
    workers: int = 2,
    progress: bool = True,
    what: str = "corpus folder",
) -> Result:
    """Write the corpus to `out`, or reuse it when `out/corpus.json` holds the same parameters.

    A folder holding a hil corpus with other parameters is regenerated (its splits, manifest and
    corpus.json removed first); a non-empty folder without corpus.json is refused, and so, before any
    work, is one that cannot be written (named as `what`, the option that gave it)."""
    out = Path(out)
    noises = list(noises or noises_mod.NOISES)
    counts = split_counts(utterances)
    check_voices()
    params = corpus_params(seed, utterances, snr, noises, max_words)
    t0 = time.perf_counter()
    if _complete(out, params):
        return Result(out, True, counts, time.perf_counter() - t0)
    note = _prepare(out, params, what)
    specs = plan(seed, utterances, snr, noises, max_words)
    rows = _run(specs, out, workers, progress)
    write_manifest(out, rows)
    done = {"params": params, "complete": True, "counts": counts}
    (out / "corpus.json").write_text(json.dumps(done, indent=2) + "\n")
    return Result(out, False, counts, time.perf_counter() - t0, note)


def _run(specs: list[dict], out: Path, workers: int, progress: bool) -> list[dict]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    jobs = [(s, str(out)) for s in specs]
    columns = [TextColumn("speech corpus"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=Console(stderr=True), disable=not progress) as bar:
        task = bar.add_task("speech", total=len(jobs))
        rows = []
        if workers <= 1 or len(jobs) < 16:
            for job in jobs:
                rows.append(_render_star(job))
                bar.advance(task)
        else:
            # Threads, not processes: the time goes to espeak-ng subprocesses and numpy FFTs, which
            # release the GIL, and threads need no importable __main__ and never fork TensorFlow.
            with ThreadPoolExecutor(workers) as pool:
                for row in pool.map(_render_star, jobs):
                    rows.append(row)
                    bar.advance(task)
    return rows
