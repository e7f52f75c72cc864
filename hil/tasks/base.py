"""What a task is: deterministic train/val/test splits, a score where higher is better, its zoo model.

A task's `load(split, seed)` gives x float32 (N, T, F) and its targets y. `kind` says how a sequence
model's outputs (N, T, n_outputs) are read: 'classify' takes the last step's output as class logits,
'mask' scores every step. The mixed-precision search scores each candidate with `score` on 'val';
'test' is held back for the final report.
"""

from __future__ import annotations

import numpy as np

from hil.errors import ConfigError

SPLITS = ("train", "val", "test")
KINDS = ("classify", "mask")


def check_split(task: str, split: str) -> None:
    if split not in SPLITS:
        raise ConfigError(f"task '{task}' split: wanted one of {', '.join(SPLITS)}, got '{split}'")


def stratified_split(labels: np.ndarray, fractions: tuple[float, ...], seed: int) -> list[np.ndarray]:
    """Index arrays (each sorted) that cut every class in the given fractions, from a seeded permutation.

    Classes are visited in sorted order and cut at round(cumulative fraction * class size), so the
    parts are disjoint, cover every index, and depend only on the labels and the seed."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    parts = [[] for _ in fractions]
    edges = np.cumsum((0.0, *fractions))
    if abs(edges[-1] - 1.0) > 1e-9:
        raise ConfigError(f"stratified_split: wanted fractions summing to 1, got {fractions}")
    for cls in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == cls))
        cuts = np.round(edges * len(idx)).astype(int)
        for part, lo, hi in zip(parts, cuts[:-1], cuts[1:]):
            part.append(idx[lo:hi])
    return [np.sort(np.concatenate(p)) for p in parts]


def standardize(train_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, std) per feature over (rows, F) training frames; a constant feature gets std 1."""
    rows = np.asarray(train_rows, np.float64).reshape(-1, train_rows.shape[-1])
    std = rows.std(axis=0)
    return rows.mean(axis=0), np.where(std > 0, std, 1.0)


class Task:
    """A sequence task: subclasses set the attributes and implement `_make_splits(seed)`."""

    name: str
    kind: str
    n_features: int
    n_outputs: int
    steps: int | None  # fixed sequence length, or None when it varies
    zoo_name: str  # its float model in models/
    metric_name: str
    about: str  # one paragraph: the data, the splits and their sizes, the preprocessing

    def __init__(self):
        self._cache: dict[int, dict] = {}

    def _make_splits(self, seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        raise NotImplementedError

    def _splits(self, seed: int) -> dict:
        if seed not in self._cache:
            self._cache[seed] = self._make_splits(seed)
        return self._cache[seed]

    def load(self, split: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(x float32 (N, T, F), y) of one split; the same arrays for the same seed, copies each call."""
        check_split(self.name, split)
        x, y = self._splits(seed)[split]
        return x.copy(), y.copy()

    def sizes(self, seed: int = 0) -> dict[str, int]:
        return {s: int(len(self._splits(seed)[s][0])) for s in SPLITS}

    def score(self, outputs: np.ndarray, y: np.ndarray) -> float:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<Task {self.name}: {self.kind}, {self.n_features} -> {self.n_outputs}, model {self.zoo_name}>"


class ClassifyTask(Task):
    """Class labels 0..n_outputs-1 read from the last step's logits; the score is accuracy."""

    kind = "classify"
    metric_name = "accuracy"

    def score(self, outputs: np.ndarray, y: np.ndarray) -> float:
        """Accuracy of argmax over the last step's outputs (N, T, C) or of per-sequence outputs (N, C)."""
        out = np.asarray(outputs)
        if out.ndim == 3:
            out = out[:, -1]
        if out.ndim != 2 or out.shape != (len(y), self.n_outputs):
            raise ConfigError(
                f"task '{self.name}': wanted outputs (N={len(y)}, [T,] {self.n_outputs}), got shape {np.shape(outputs)}"
            )
        return float(np.mean(np.argmax(out, axis=1) == np.asarray(y)))
