"""se: speech enhancement, a mask per frame and bin, on the offline noisy-speech corpus.

Data: `hil.audio.corpus` generated with the load seed into a cache folder (HIL_DATA, else
~/.cache/hil, then speech-s<seed>-n<utterances>; reused when its corpus.json matches) or into the
folder given as `root`. Its train/val/test splits share no voice variant and no sentence.
Every utterance becomes one fixed-length segment of SECONDS = 2 s (32,000 samples): the middle 2 s of
a longer one, a shorter one zero-padded at the end, so x is (N, 201, 161) log-power features
(`hil.dsp.spec.features`). Splits, for the default 1,000-utterance corpus: train = all 800 train
utterances, val = the first 24 val utterances by id, test = the first 24 test utterances by id.

y is a structured array, one record per segment: `mask` (201, 161) the ideal ratio mask (the training
target), `noisy` and `clean` (32000,) int16 PCM. The score is the mean SI-SDR (dB) of the enhanced
segments against the clean ones: noisy STFT x mask, overlap-added (`hil.dsp.spec.istft`). It costs a
few ms for 24 segments, is what the ear-facing metrics (PESQ, STOI) follow, and unlike the mask MSE it
weighs errors by where the speech energy is. `report` adds the noisy input's SI-SDR and the mask MSE.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from hil.audio.wav import read_wav
from hil.audio import SAMPLE_RATE
from hil.dsp import spec
from hil.errors import ConfigError
from hil.metrics import si_sdr
from hil.tasks.base import SPLITS, Task

SECONDS = 2.0
SEGMENT = int(SECONDS * SAMPLE_RATE)
FRAMES = -(-SEGMENT // spec.HOP) + 1


def data_home() -> Path:
    """Where generated data is cached: $HIL_DATA, else ~/.cache/hil."""
    env = os.environ.get("HIL_DATA")
    return Path(env) if env else Path.home() / ".cache" / "hil"


def segment(pcm: np.ndarray, length: int = SEGMENT) -> np.ndarray:
    """The middle `length` samples of int16 PCM, or all of it zero-padded at the end."""
    pcm = np.asarray(pcm, np.int16)
    if len(pcm) >= length:
        start = (len(pcm) - length) // 2
        return pcm[start : start + length].copy()
    return np.concatenate([pcm, np.zeros(length - len(pcm), np.int16)])


def record_dtype(frames: int = FRAMES, samples: int = SEGMENT) -> np.dtype:
    return np.dtype([("mask", np.float32, (frames, spec.BINS)), ("noisy", np.int16, (samples,)),
                     ("clean", np.int16, (samples,))])  # fmt: skip


class SpeechEnhancement(Task):
    name = "se"
    kind = "mask"
    n_features = n_outputs = spec.BINS
    steps = FRAMES
    zoo_name = "nsnet2-small"
    metric_name = "si_sdr_db"
    about = __doc__

    def __init__(self, root=None, utterances: int = 1000, n_val: int = 24, n_test: int = 24, n_train=None):
        super().__init__()
        self.root, self.utterances = root, utterances
        self.counts = {"train": n_train, "val": n_val, "test": n_test}

    def corpus_dir(self, seed: int = 0) -> Path:
        if self.root is not None:
            return Path(self.root)
        return data_home() / f"speech-s{seed}-n{self.utterances}"

    def _make_splits(self, seed: int) -> dict:
        from hil.audio.layout import load_split

        root = self.corpus_dir(seed)
        _ensure_corpus(root, self.utterances, seed)
        out = {}
        for split in SPLITS:
            pairs = load_split(root, split)
            want = self.counts[split] or len(pairs)
            if len(pairs) < want:
                raise ConfigError(f"task 'se' {split}: wanted {want} utterances, got {len(pairs)} in {root}")
            out[split] = _segments(pairs[:want])
        return out

    def score(self, outputs: np.ndarray, y: np.ndarray) -> float:
        """Mean SI-SDR (dB) of the noisy segments enhanced with `outputs` (N, T, 161) masks."""
        return float(np.mean(self._per_segment(outputs, y)))

    def report(self, outputs: np.ndarray, y: np.ndarray) -> dict:
        """The score, the unprocessed input's SI-SDR, and the mask MSE against the ideal ratio mask."""
        noisy = [si_sdr(r["clean"], r["noisy"]) for r in y]
        return {
            "si_sdr_db": round(self.score(outputs, y), 3),
            "si_sdr_noisy_db": round(float(np.mean(noisy)), 3),
            "mask_mse": round(float(np.mean((np.asarray(outputs, np.float64) - y["mask"]) ** 2)), 5),
        }

    def _per_segment(self, outputs: np.ndarray, y: np.ndarray) -> list[float]:
        out = np.asarray(outputs)
        if out.shape != y["mask"].shape:
            raise ConfigError(f"task 'se': wanted masks of shape {y['mask'].shape}, got {out.shape}")
        scores = []
        for mask, rec in zip(out, y):
            enhanced = spec.istft(spec.stft(rec["noisy"] * spec.PCM_SCALE) * mask, length=len(rec["noisy"]))
            scores.append(si_sdr(rec["clean"], enhanced))
        return scores


class SpeechEnhancementExits(SpeechEnhancement):
    """se with nsnet2-exits, the early-exit model: its search is over the exit policy (hil.search.exits_problem)."""

    name = "se-exits"
    zoo_name = "nsnet2-exits"
    problem = "exits"


def _ensure_corpus(root: Path, utterances: int, seed: int) -> None:
    """Generate the corpus with the default SNRs and noises, or reuse it; never regenerate a folder that
    holds a finished corpus made with other parameters (the cache may be shared with other work)."""
    import json

    from hil.audio import corpus, noise

    try:
        stored = json.loads((root / "corpus.json").read_text())
    except (OSError, ValueError):
        stored = {}
    wanted = corpus.corpus_params(seed, utterances, (-5.0, 20.0), list(noise.NOISES), 12)
    if stored.get("complete") and stored.get("params") != wanted:
        got = {k: v for k, v in stored.get("params", {}).items() if wanted.get(k) != v}
        raise ConfigError(f"task 'se': wanted the corpus in {root} made with {wanted['utterances']} utterances, "
                          f"seed {seed} and default SNRs and noises, got other parameters {got}")  # fmt: skip
    corpus.generate(root, utterances, seed=seed, progress=False)


def _segments(pairs) -> tuple[np.ndarray, np.ndarray]:
    """x (N, FRAMES, 161) float32 features and y records of corpus pairs, one 2 s segment each."""
    x = np.zeros((len(pairs), FRAMES, spec.BINS), np.float32)
    y = np.zeros(len(pairs), record_dtype())
    for i, pair in enumerate(pairs):
        if pair.clean_path is None:
            raise ConfigError(f"task 'se': wanted a clean twin of {pair.noisy_path}, got none")
        noisy, clean = (segment(read_wav(p)[0]) for p in (pair.noisy_path, pair.clean_path))
        x[i] = spec.features(noisy)
        y[i] = (spec.ideal_ratio_mask(clean, noisy), noisy, clean)
    return x, y
