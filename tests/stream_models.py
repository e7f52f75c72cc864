"""A small seeded int8 GRU masking model over the chain's 161 log-power bins, and test audio.

Keras Input -> Dense -> GRU -> Dense(161, sigmoid) with random weights, exported as a single step
(hil.convert.streaming.gru_step_model), converted to int8 with calibration rows from real features
and the float model's own states, compiled for the runtime. Built once per process."""

from __future__ import annotations

from functools import cache

import numpy as np

from hil.dsp import spec

HIDDEN = 24


@cache
def utterance(seed: int = 0, snr_db: float = 10.0) -> np.ndarray:
    """About 1.5 s of espeak-ng speech plus white noise at snr_db, int16 (deterministic)."""
    from hil.audio.speech import synthesize

    clean = synthesize("en-us", "m3", 160, 50, "the quick brown fox")
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=len(clean))
    noise *= np.sqrt(np.mean(clean**2) / np.mean(noise**2) / 10 ** (snr_db / 10))
    return np.clip(np.round((clean + noise) * 0.5 * 32767), -32768, 32767).astype(np.int16)


def _calibration(step, feats: np.ndarray) -> dict[str, np.ndarray]:
    h = np.zeros((1, HIDDEN), np.float32)
    states = []
    for frame in feats:
        states.append(h[0])
        _, h = step([frame[None], h], training=False)
        h = np.asarray(h)
    return {"features": feats, "state": np.array(states)}


@cache
def gru_mask_tflite(seed: int = 0) -> bytes:
    import keras

    from hil.convert.keras_to_tflite import convert_model
    from hil.convert.streaming import gru_step_model

    keras.utils.set_random_seed(seed)
    inp = keras.Input((None, spec.BINS))
    x = keras.layers.Dense(HIDDEN, activation="relu")(inp)
    x = keras.layers.GRU(HIDDEN, return_sequences=True, bias_initializer="random_normal")(x)
    seq = keras.Model(inp, keras.layers.Dense(spec.BINS, activation="sigmoid")(x), name="gru_mask")
    step = gru_step_model(seq)
    feats = spec.features(utterance(seed + 1))
    return convert_model(step, _calibration(step, feats), seed=seed)
