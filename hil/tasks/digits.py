"""digits: handwritten digits 0-9 read row by row (scikit-learn's load_digits, shipped in its wheel).

1797 images of 8 x 8 pixels with values 0..16; each image is a sequence of STEPS = 8 rows of
8 features, scaled to [0, 1] (pixel / 16; no statistics needed). Splits: every class cut 60/20/20 by a
seeded permutation: train 1078, val 360, test 359 for any seed (the class sizes fix the counts).
"""

from __future__ import annotations

import numpy as np

from hil.tasks.base import ClassifyTask, stratified_split

STEPS, WIDTH, CLASSES = 8, 8, 10


class Digits(ClassifyTask):
    name = "digits"
    n_features, n_outputs, steps = WIDTH, CLASSES, STEPS
    zoo_name = "gru-digits"
    about = __doc__

    def _make_splits(self, seed: int) -> dict:
        from sklearn.datasets import load_digits

        data = load_digits()
        x = (np.asarray(data.images, np.float64) / 16.0).astype(np.float32)
        y = np.asarray(data.target, np.int64)
        parts = stratified_split(y, (0.6, 0.2, 0.2), seed)
        return {split: (x[idx], y[idx]) for split, idx in zip(("train", "val", "test"), parts)}
