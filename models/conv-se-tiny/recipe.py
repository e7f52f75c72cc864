"""conv-se-tiny: a tiny convolutional masking model (a two-block TCN in miniature).

Input: 8 frames x 64 log-power bins of a noisy spectrogram-like signal; output: a sigmoid mask
(8 x 64) estimating the ideal ratio mask clean / (clean + noise). Layers: 1x1 Conv1D front-end,
two residual blocks (depthwise Conv1D k=3 with dilation 1 then 2, ReLU, 1x1 Conv1D, ADD, ReLU),
1x1 Conv1D back-end with sigmoid. Data: synthetic, generated here from a seed (harmonic "voiced"
frames with a drifting pitch and on/off envelope, coloured stationary noise at -5..15 dB).

Train: .venv/bin/python models/conv-se-tiny/recipe.py [--seed 0]
"""

from __future__ import annotations


import numpy as np

NAME = "conv-se-tiny"
FRAMES, BINS, CHANNELS = 8, 64, 32
DATA = {"frames": FRAMES, "bins": BINS, "snr_db": [-5, 15], "n_train": 4000, "n_val": 1000, "n_calib": 100}
TRAIN = {"epochs": 20, "batch": 64, "learning_rate": 0.003, "loss": "mse"}


def make_data(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n examples: features (n, 8, 64) = log1p(noisy power), targets (n, 8, 64) = ideal ratio mask."""
    rng = np.random.default_rng(seed)
    bins = np.arange(BINS)[None, None, :]
    f0 = rng.uniform(2.0, 7.0, (n, 1, 1)) * (1 + np.cumsum(rng.normal(0, 0.02, (n, FRAMES, 1)), axis=1))
    dist = np.abs(((bins / f0 + 0.5) % 1.0) - 0.5) * f0  # distance in bins to the nearest harmonic
    tilt = np.exp(-bins / rng.uniform(10, 40, (n, 1, 1)))
    on = (rng.random((n, FRAMES, 1)) < rng.uniform(0.3, 1.0, (n, 1, 1))).astype(float)
    clean = on * tilt * np.exp(-0.5 * (dist / 0.7) ** 2) * rng.uniform(0.5, 1.5, (n, FRAMES, 1))
    noise_shape = np.exp(rng.normal(0, 1, (n, 1, 1)) * (bins - BINS / 2) / BINS)
    noise = noise_shape * rng.exponential(1.0, (n, FRAMES, BINS))
    snr = 10 ** (rng.uniform(*DATA["snr_db"], (n, 1, 1)) / 10)
    clean_pow = clean**2
    level = clean_pow.mean(axis=(1, 2), keepdims=True).clip(1e-3)
    noise_pow = noise * level / noise.mean(axis=(1, 2), keepdims=True) / snr
    x = np.log1p((clean_pow + noise_pow) * 30.0)
    y = clean_pow / (clean_pow + noise_pow + 1e-9)
    return x.astype(np.float32), y.astype(np.float32)


def build_model():
    import keras

    L = keras.layers
    inp = keras.Input((FRAMES, BINS), name="spec")
    x = L.Conv1D(CHANNELS, 1, activation="relu", name="frontend")(inp)
    for i, dilation in enumerate((1, 2)):
        y = L.DepthwiseConv1D(3, dilation_rate=dilation, padding="same", name=f"dw{i}")(x)
        y = L.ReLU(name=f"dw{i}_relu")(y)
        y = L.Conv1D(CHANNELS, 1, name=f"pw{i}")(y)
        x = L.ReLU(name=f"res{i}_relu")(L.Add(name=f"res{i}")([x, y]))
    out = L.Conv1D(BINS, 1, activation="sigmoid", name="mask")(x)
    return keras.Model(inp, out, name=NAME)


def evaluate(model, x: np.ndarray, y: np.ndarray) -> dict:
    pred = model.predict(x, batch_size=256, verbose=0)
    mse = float(np.mean((pred - y) ** 2))
    baseline = float(np.mean((y.mean() - y) ** 2))
    r2 = 1 - mse / baseline
    return {"val_mse": round(mse, 5), "val_mse_constant_mask": round(baseline, 5), "val_r2": round(r2, 4)}


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

    io = {"input": {"spec": [FRAMES, BINS]}, "output": {"mask": [FRAMES, BINS]}}
    recipe_main(NAME, __doc__, train, {"data": DATA, "training": TRAIN, **io}, argv)


if __name__ == "__main__":
    main()
