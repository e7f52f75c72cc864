"""vowels: which of 9 speakers uttered a Japanese /ae/ (sktime's JapaneseVowels, shipped in its wheel).

Each series is 7-29 frames of 12 LPC cepstral coefficients. Every frame is standardized with the mean
and std of the official train set's frames, then the series is zero-padded at the START to STEPS = 29
frames (0 is the mean after standardizing), so the last step, where the label is read, is real data.
Splits: train = the official train set (270, 30 per speaker); val and test = the official test set
(370) cut in two per speaker by a seeded permutation (185 + 185), so the search scores on 185
sequences and test stays unseen. val + test together is the official test set.
"""

from __future__ import annotations

import numpy as np

from hil.tasks.base import ClassifyTask, stratified_split, standardize

STEPS, COEFFS, SPEAKERS = 29, 12, 9


def _official(split: str) -> tuple[list[np.ndarray], np.ndarray]:
    """Series as (len, 12) arrays and labels 0..8 of sktime's 'train' or 'test' split."""
    from sktime.datasets import load_japanese_vowels

    frame, labels = load_japanese_vowels(split=split, return_X_y=True)
    series = [np.stack([np.asarray(frame.iloc[i, c], np.float64) for c in range(COEFFS)], axis=1)
              for i in range(len(frame))]  # fmt: skip
    return series, np.asarray(labels).astype(int) - 1


def pad_start(series: list[np.ndarray], steps: int) -> np.ndarray:
    """(N, steps, F) float32: each series' last `steps` frames, zeros in front of shorter ones."""
    out = np.zeros((len(series), steps, series[0].shape[1]), np.float32)
    for i, s in enumerate(series):
        s = s[-steps:]
        out[i, steps - len(s) :] = s
    return out


class Vowels(ClassifyTask):
    name = "vowels"
    n_features, n_outputs, steps = COEFFS, SPEAKERS, STEPS
    zoo_name = "gru-vowels"
    about = __doc__

    def _make_splits(self, seed: int) -> dict:
        train, y_train = _official("train")
        test, y_test = _official("test")
        mean, std = standardize(np.concatenate(train))
        x_train = pad_start([(s - mean) / std for s in train], STEPS)
        x_test = pad_start([(s - mean) / std for s in test], STEPS)
        val_idx, test_idx = stratified_split(y_test, (0.5, 0.5), seed)
        return {
            "train": (x_train, y_train.astype(np.int64)),
            "val": (x_test[val_idx], y_test[val_idx].astype(np.int64)),
            "test": (x_test[test_idx], y_test[test_idx].astype(np.int64)),
        }
