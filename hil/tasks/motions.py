"""motions: standing, walking, running or badminton from a smartwatch (sktime's BasicMotions).

40 + 40 series of 6 channels (3-axis accelerometer and gyroscope) x 100 steps at 10 Hz. Each series is
downsampled to STEPS = 50 by averaging pairs of steps, then every channel is standardized with the
mean and std of the official train set. Splits: train = the official train set (40, 10 per class);
val and test = the official test set cut in two per class by a seeded permutation (20 + 20).
"""

from __future__ import annotations

import numpy as np

from hil.tasks.base import ClassifyTask, stratified_split, standardize

STEPS, CHANNELS = 50, 6
CLASSES = ("badminton", "running", "standing", "walking")


def _official(split: str) -> tuple[np.ndarray, np.ndarray]:
    """(N, 100, 6) float64 series and labels 0..3 (CLASSES order) of sktime's 'train' or 'test' split."""
    from sktime.datasets import load_basic_motions

    x, labels = load_basic_motions(split=split, return_X_y=True, return_type="numpy3D")
    y = np.array([CLASSES.index(str(label)) for label in labels], np.int64)
    return np.transpose(np.asarray(x, np.float64), (0, 2, 1)), y


def downsample(x: np.ndarray, steps: int) -> np.ndarray:
    """(N, T, F) -> (N, steps, F) by averaging T // steps consecutive steps."""
    n, t, f = x.shape
    k = t // steps
    return x[:, : k * steps].reshape(n, steps, k, f).mean(axis=2)


class Motions(ClassifyTask):
    name = "motions"
    n_features, n_outputs, steps = CHANNELS, len(CLASSES), STEPS
    zoo_name = "gru-motions"
    about = __doc__

    def _make_splits(self, seed: int) -> dict:
        x_train, y_train = _official("train")
        x_test, y_test = _official("test")
        x_train, x_test = downsample(x_train, STEPS), downsample(x_test, STEPS)
        mean, std = standardize(x_train)
        x_train = ((x_train - mean) / std).astype(np.float32)
        x_test = ((x_test - mean) / std).astype(np.float32)
        val_idx, test_idx = stratified_split(y_test, (0.5, 0.5), seed)
        return {
            "train": (x_train, y_train),
            "val": (x_test[val_idx], y_test[val_idx]),
            "test": (x_test[test_idx], y_test[test_idx]),
        }
