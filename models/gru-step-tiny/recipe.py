"""gru-step-tiny: a GRU masking model, trained on sequences, shipped as a single-step model.

Trained model: Input(T, 32) -> GRU(32, return_sequences) -> Dense(32, sigmoid) predicting the ideal
ratio mask of each frame. Shipped model.keras: the same weights as one step
(hil.convert.streaming.gru_step_model): inputs features (32,) and state (32,), outputs mask (32,)
and state_out (32,), written in Dense/Add/Subtract/Multiply/sigmoid/tanh so it converts to builtin
FULLY_CONNECTED/ADD/SUB/MUL/LOGISTIC/TANH ops. Data: synthetic sequences from a seed: a noise floor
that drifts slowly (the GRU has to track it), harmonic "voiced" bursts switching on and off.
calib.npy is a structured array with fields features and state: real (x_t, h_{t-1}) pairs.

Train: .venv/bin/python models/gru-step-tiny/recipe.py [--seed 0]
"""

from __future__ import annotations


import numpy as np

NAME = "gru-step-tiny"
BINS, HIDDEN, STEPS = 32, 32, 50
DATA = {"bins": BINS, "steps": STEPS, "snr_db": [-5, 15], "n_train": 1500, "n_val": 300, "n_calib": 200}
TRAIN = {"epochs": 25, "batch": 32, "learning_rate": 0.005, "loss": "mse"}


def make_data(seed: int, n: int, steps: int = STEPS) -> tuple[np.ndarray, np.ndarray]:
    """n sequences: features (n, steps, 32) = log1p(noisy power), targets (n, steps, 32) = ideal ratio mask."""
    rng = np.random.default_rng(seed)
    bins = np.arange(BINS)[None, None, :]
    f0 = rng.uniform(1.5, 5.0, (n, 1, 1)) * (1 + np.cumsum(rng.normal(0, 0.01, (n, steps, 1)), axis=1))
    dist = np.abs(((bins / f0 + 0.5) % 1.0) - 0.5) * f0
    # voiced bursts: a two-state on/off chain with runs of a few frames
    on = np.zeros((n, steps, 1))
    state = rng.random((n, 1)) < 0.5
    for t in range(steps):
        flip = rng.random((n, 1)) < 0.15
        state = np.where(flip, ~state, state)
        on[:, t] = state
    clean_pow = (on * np.exp(-bins / 12.0) * np.exp(-0.5 * (dist / 0.6) ** 2)) ** 2
    floor = np.exp(rng.normal(0, 0.8, (n, 1, BINS)) * 0.5 + np.cumsum(rng.normal(0, 0.05, (n, steps, 1)), axis=1))
    snr = 10 ** (rng.uniform(*DATA["snr_db"], (n, 1, 1)) / 10)
    noise_pow = floor * rng.exponential(1.0, (n, steps, BINS)) * 0.05 / snr
    x = np.log1p((clean_pow + noise_pow) * 30.0)
    y = clean_pow / (clean_pow + noise_pow + 1e-9)
    return x.astype(np.float32), y.astype(np.float32)


def build_sequence_model():
    import keras

    inp = keras.Input((None, BINS), name="features")
    h = keras.layers.GRU(HIDDEN, return_sequences=True, name="gru")(inp)
    out = keras.layers.Dense(BINS, activation="sigmoid", name="mask")(h)
    return keras.Model(inp, out, name=NAME)


def evaluate(seq_model, x: np.ndarray, y: np.ndarray) -> dict:
    pred = seq_model.predict(x, batch_size=256, verbose=0)
    mse = float(np.mean((pred - y) ** 2))
    baseline = float(np.mean((y.mean() - y) ** 2))
    r2 = 1 - mse / baseline
    return {"val_mse": round(mse, 5), "val_mse_constant_mask": round(baseline, 5), "val_r2": round(r2, 4)}


def train(seed: int = 0):
    """(single-step model, sequence model, calibration rows, metrics): deterministic for a seed."""
    from hil.convert.streaming import gru_step_model, step_calib_rows
    from hil.zoo import deterministic, fit

    deterministic(seed)
    x, y = make_data(seed, DATA["n_train"])
    xv, yv = make_data(seed + 1, DATA["n_val"])
    model = build_sequence_model()
    fit(model, x, y, TRAIN)
    calib = step_calib_rows(model, make_data(seed + 2, 20)[0], DATA["n_calib"], seed + 3)
    return gru_step_model(model, name=NAME), model, calib, evaluate(model, xv, yv)


def main(argv=None) -> None:
    from hil.zoo import recipe_main

    def train_step(seed: int):
        step, _, calib, metrics = train(seed)
        return step, calib, metrics

    fields = {
        "data": DATA,
        "training": TRAIN,
        "trained_as": f"Input(T, {BINS}) -> GRU({HIDDEN}, return_sequences) -> Dense({BINS}, sigmoid), T={STEPS}",
        "exported_as": "single step: hil.convert.streaming.gru_step_model",
        "input": {"features": [BINS], "state": [HIDDEN]},
        "output": {"mask": [BINS], "state_out": [HIDDEN]},
    }
    recipe_main(NAME, __doc__, train_step, fields, argv)


if __name__ == "__main__":
    main()
