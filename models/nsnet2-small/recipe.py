"""nsnet2-small: an nsNet2-style masking model scaled down to fit an STM32F446, shipped as a single step.

Trained model: Input(T, 161) -> Dense(56, relu) -> GRU(56) -> GRU(56) -> Dense(161, sigmoid) on nsNet2's
chain (hil.dsp.spec.NSNET2: 16 kHz, 320/160 STFT, sqrt-Hann, features ln(|X|^2 + 1e-9); the card's
`chain`, so the board runs the same), predicting the ideal ratio
mask (MSE). The features are standardised per bin while training; the mean and deviation are folded
into the first Dense afterwards, so the shipped model takes the raw features. Shipped model.keras: the
same weights as one step (hil.convert.streaming.gru_step_model): inputs features (161,), state_0 (56,),
state_1 (56,); outputs mask (161,), state_out_0 (56,), state_out_1 (56,). calib.npy: a structured
array with those input names as fields, real (x_t, h0_{t-1}, h1_{t-1}) rows from the trained model.

Data: any folder in the hil.audio.corpus layout (DIR/<split>/{noisy,clean}/*.wav); by default the
offline espeak-ng corpus of DATA, generated once into $HIL_CACHE (default ~/.cache/hil). The train
split trains, the first EVAL_UTTERANCES of the test split are scored (PESQ-wb, STOI, SI-SDR) for the
float model and for the int8 model run frame by frame in the board's C runtime (hil.sim).

Train: .venv/bin/python models/nsnet2-small/recipe.py [--seed 0] [--data DIR] [--epochs E] [--out DIR]
   or: hil train nsnet2-small [--data DIR] [--seed S] [--epochs E] [--out DIR]
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

NAME = "nsnet2-small"
TAKES_DATA = True  # `hil train` passes --data
BINS, DENSE, HIDDEN, SEQ = 161, 56, 56, 100
DATA = {"utterances": 1000, "seed": 0, "snr_db": [-5.0, 20.0], "noises": "all", "sequence_frames": SEQ}
TRAIN = {"epochs": 15, "batch": 32, "learning_rate": 0.002, "loss": "mse", "target": "ideal_ratio_mask"}
N_CALIB, EVAL_UTTERANCES = 200, 50


def default_data_dir() -> Path:
    """The cached default corpus: generated on first use, reused while its parameters match."""
    from hil.audio.corpus import generate

    cache = Path(os.environ.get("HIL_CACHE", Path.home() / ".cache" / "hil"))
    out = cache / f"speech-s{DATA['seed']}-n{DATA['utterances']}"
    generate(out, DATA["utterances"], seed=DATA["seed"], snr=tuple(DATA["snr_db"]), progress=False)
    return out


def load_frames(root, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Every utterance of a split, features and ideal ratio masks, concatenated frame-wise: (N, BINS) each."""
    from hil.audio.corpus import load_split, read_wav
    from hil.dsp.spec import NSNET2 as CHAIN
    from hil.errors import ConfigError

    xs, ys = [], []
    for pair in load_split(root, split):
        if pair.clean_path is None:
            raise ConfigError(f"{root}/{split}: wanted clean/ beside noisy/ for training targets, got none")
        noisy, clean = read_wav(pair.noisy_path)[0], read_wav(pair.clean_path)[0]
        if len(noisy) != len(clean):
            raise ConfigError(f"{pair.noisy_path}: wanted as many samples as its clean twin, got {len(noisy)} "
                              f"and {len(clean)}")  # fmt: skip
        xs.append(CHAIN.features(noisy))
        ys.append(CHAIN.ideal_ratio_mask(clean, noisy))
    return np.concatenate(xs), np.concatenate(ys)


def sequences(x: np.ndarray, steps: int = SEQ) -> np.ndarray:
    """(N, BINS) frames -> (N // steps, steps, BINS): the utterances back to back, cut into equal sequences."""
    from hil.errors import ConfigError

    n = len(x) // steps
    if n == 0:
        raise ConfigError(f"training data: wanted at least {steps} frames ({steps / 100:g} s), got {len(x)}")
    return x[: n * steps].reshape(n, steps, x.shape[-1])


def build_sequence_model():
    import keras

    inp = keras.Input((None, BINS), name="features")
    x = keras.layers.Dense(DENSE, activation="relu", name="fc_in")(inp)
    x = keras.layers.GRU(HIDDEN, return_sequences=True, name="gru_0")(x)
    x = keras.layers.GRU(HIDDEN, return_sequences=True, name="gru_1")(x)
    out = keras.layers.Dense(BINS, activation="sigmoid", name="mask")(x)
    return keras.Model(inp, out, name=NAME)


def fold_standardisation(model, mean: np.ndarray, std: np.ndarray):
    """The same model taking raw features: W' = W / std per input bin, b' = b - (mean / std) @ W."""
    import keras

    folded = keras.models.clone_model(model)
    folded.set_weights(model.get_weights())
    fc = folded.get_layer("fc_in")
    kernel, bias = fc.get_weights()
    fc.set_weights([kernel / std[:, None], bias - (mean / std) @ kernel])
    return folded


def calib_rows(seq_model, x: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n (features x_t, state_0 h0_{t-1}, state_1 h1_{t-1}) rows from running the trained model over x."""
    import keras

    outs = keras.Model(seq_model.inputs[0], [seq_model.get_layer(f"gru_{k}").output for k in (0, 1)])(x)
    prev = [np.concatenate([np.zeros_like(s[:, :1]), s[:, :-1]], axis=1) for s in map(np.asarray, outs)]
    rng = np.random.default_rng(seed)
    seq, t = rng.integers(0, len(x), n), rng.integers(0, x.shape[1], n)
    dtype = [("features", np.float32, (BINS,)), ("state_0", np.float32, (HIDDEN,)), ("state_1", np.float32, (HIDDEN,))]
    rows = np.zeros(n, dtype=dtype)
    rows["features"], rows["state_0"], rows["state_1"] = x[seq, t], prev[0][seq, t], prev[1][seq, t]
    return rows


def train(seed: int = 0, data=None, epochs: int | None = None):
    """(single-step model, sequence model with raw-feature input, calibration rows, training facts)."""
    from hil.convert.streaming import gru_step_model
    from hil.zoo import deterministic, fit

    deterministic(seed)
    root = Path(data) if data is not None else default_data_dir()
    t0 = time.perf_counter()
    x, y = load_frames(root, "train")
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-3
    xs, ys = sequences(x), sequences(y)
    settings = dict(TRAIN, epochs=TRAIN["epochs"] if epochs is None else epochs)
    model = build_sequence_model()
    t1 = time.perf_counter()
    fit(model, (xs - mean) / std, ys, settings)
    fit_seconds = time.perf_counter() - t1
    raw = fold_standardisation(model, mean, std)
    calib = calib_rows(raw, xs[: min(len(xs), 64)], N_CALIB, seed + 1)
    facts = {"train_frames": int(len(x)), "train_sequences": int(len(xs)), "epochs": settings["epochs"],
             "fit_seconds": round(fit_seconds, 1), "data_seconds": round(t1 - t0, 1)}  # fmt: skip
    return gru_step_model(raw, name=NAME), raw, calib, facts


def held_out_quality(seq_model, step_model, calib, root, limit: int = EVAL_UTTERANCES) -> tuple[dict, dict]:
    """Mean PESQ-wb / STOI / SI-SDR on the test split: noisy, float (sequence model) and int8 (step model
    converted by hil.convert, compiled by hil.compile, streamed through hil.sim), plus the int8 sizes."""
    from hil.compile.compiler import compile_tflite
    from hil.convert.keras_to_tflite import convert_model
    from hil.tasks.se_eval import evaluate_pairs, int8_mask_fn, read_pairs, sequence_mask_fn

    tflite = convert_model(step_model, calib)
    compiled = compile_tflite(tflite)
    fns = {"float": sequence_mask_fn(seq_model), "int8": int8_mask_fn(tflite, engine="sim")}
    quality = evaluate_pairs(read_pairs(root, "test", limit), fns)
    sizes = {"tflite_bytes": len(tflite), "model_bytes": compiled.model_bytes, "arena_bytes": compiled.arena_bytes,
             "macs_per_frame": compiled.macs}  # fmt: skip
    return quality | {"int8_engine": "hil.sim (the board's C runtime)", "split": "test"}, sizes


def run(seed: int = 0, data=None, epochs: int | None = None, out=None) -> dict:
    """Train, score and write model.keras, calib.npy and card.json into `out` (default models/nsnet2-small);
    returns the card."""
    from hil.dsp.spec import NSNET2 as CHAIN
    from hil.zoo import save_artifacts, zoo_dir

    t0 = time.perf_counter()
    step, seq_model, calib, facts = train(seed, data, epochs)
    root = Path(data) if data is not None else default_data_dir()
    quality, sizes = held_out_quality(seq_model, step, calib, root)
    seconds = time.perf_counter() - t0
    argv = (
        f" --seed {seed}" + (f" --data {data}" if data is not None else "") + (f" --epochs {epochs}" if epochs else "")
    )
    card = {
        "name": NAME,
        "seed": seed,
        "chain": CHAIN.to_dict(),
        "data": DATA | {"dir": "default corpus" if data is None else str(data), **facts},
        "training": TRAIN | {"epochs": facts["epochs"]},
        "trained_as": f"Input(T, {BINS}) -> Dense({DENSE}, relu) -> GRU({HIDDEN}) -> GRU({HIDDEN}) -> "
        f"Dense({BINS}, sigmoid), T={SEQ}, features standardised per bin (folded into the first Dense)",
        "exported_as": "single step: hil.convert.streaming.gru_step_model",
        "input": {"features": [BINS], "state_0": [HIDDEN], "state_1": [HIDDEN]},
        "output": {"mask": [BINS], "state_out_0": [HIDDEN], "state_out_1": [HIDDEN]},
        "int8": sizes,
        "metrics_held_out": quality,
        "train_seconds": round(seconds, 1),
        "train_command": f"hil train {NAME}{argv}",
    }
    save_artifacts(Path(out) if out is not None else zoo_dir() / NAME, step, calib, card)
    return card | {"params": int(step.count_params())}


def main(argv=None) -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    card = run(args.seed, args.data, args.epochs, args.out)
    print(f"{NAME}: {card['metrics_held_out']} in {card['train_seconds']} s")


if __name__ == "__main__":
    main()
