"""dense-kws-tiny: a dense keyword-spotting-style classifier, 40 -> 64 relu -> 32 relu -> 8 softmax.

Input: a 40-coefficient utterance summary (think averaged log-mel energies); output: the
probabilities of 8 classes. Data: synthetic, from a seed: each class is a smooth random
40-point spectral template; an example is its class template with a random gain, a smooth
"speaker" tilt and coloured noise. It converts to FULLY_CONNECTED (x3, ReLU fused) + SOFTMAX.

Train: .venv/bin/python models/dense-kws-tiny/recipe.py [--seed 0]
"""

from __future__ import annotations


import numpy as np

NAME = "dense-kws-tiny"
FEATURES, CLASSES = 40, 8
DATA = {"features": FEATURES, "classes": CLASSES, "noise_std": 2.0, "n_train": 8000, "n_val": 2000, "n_calib": 200}
TRAIN = {"epochs": 30, "batch": 64, "learning_rate": 0.003, "loss": "sparse_categorical_crossentropy"}
TEMPLATE_SEED = 12345  # the class templates: fixed, so every data seed draws the same task


def _smooth(rng, shape, width: int) -> np.ndarray:
    """Random curves along the last axis, smoothed by a moving average of `width` points."""
    raw = rng.normal(0, 1, shape[:-1] + (shape[-1] + width - 1,))
    kernel = np.ones(width) / np.sqrt(width)
    return np.apply_along_axis(lambda r: np.convolve(r, kernel, mode="valid"), -1, raw)


def templates() -> np.ndarray:
    return _smooth(np.random.default_rng(TEMPLATE_SEED), (CLASSES, FEATURES), 5)


def make_data(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n examples: features (n, 40) float32, labels (n,) int32 in 0..7."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, n)
    gain = rng.uniform(0.6, 1.4, (n, 1))
    tilt = np.linspace(-1, 1, FEATURES)[None, :] * rng.normal(0, 0.5, (n, 1))
    noise = _smooth(rng, (n, FEATURES), 3) * DATA["noise_std"]
    x = templates()[labels] * gain + tilt + noise
    return x.astype(np.float32), labels.astype(np.int32)


def build_model():
    import keras

    L = keras.layers
    inp = keras.Input((FEATURES,), name="mfcc")
    x = L.Dense(64, activation="relu", name="fc1")(inp)
    x = L.Dense(32, activation="relu", name="fc2")(x)
    out = L.Dense(CLASSES, activation="softmax", name="probs")(x)
    return keras.Model(inp, out, name=NAME)


def evaluate(model, x: np.ndarray, labels: np.ndarray) -> dict:
    pred = model.predict(x, batch_size=512, verbose=0)
    nll = float(-np.mean(np.log(pred[np.arange(len(labels)), labels] + 1e-9)))
    return {"val_accuracy": round(float(np.mean(pred.argmax(1) == labels)), 4), "val_loss": round(nll, 4)}


def train(seed: int = 0):
    """(model, calibration rows, metrics): deterministic for a seed."""
    from hil.zoo import deterministic, fit

    deterministic(seed)
    x, y = make_data(seed, DATA["n_train"])
    xv, yv = make_data(seed + 1, DATA["n_val"])
    calib, _ = make_data(seed + 2, DATA["n_calib"])
    model = build_model()
    fit(model, x, y, TRAIN)
    return model, calib, evaluate(model, xv, yv)


def main(argv=None) -> None:
    from hil.zoo import recipe_main

    io = {"input": {"mfcc": [FEATURES]}, "output": {"probs": [CLASSES]}}
    fields = {"data": DATA | {"template_seed": TEMPLATE_SEED}, "training": TRAIN, **io}
    recipe_main(NAME, __doc__, train, fields, argv)


if __name__ == "__main__":
    main()
