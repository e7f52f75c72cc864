"""Masking models for the chain's tests, and test audio.

A small seeded int8 GRU masking model over nsNet2's 161 log-power bins: Keras Input -> Dense -> GRU ->
Dense(161, sigmoid) with random weights, exported as a single step (hil.convert.streaming.gru_step_model),
converted to int8 with calibration rows from real features and the float model's own states, compiled for
the runtime. Built once per process. And the smallest stateless mask model of any chain's bin count
(LOGISTIC of the features), as a .tflite naming its chain (hil.dsp.identity), no TensorFlow needed."""

from __future__ import annotations

from functools import cache

import numpy as np

from hil.dsp import spec
from hil.dsp.identity import with_chain
from hil.dsp.spec import ChainSpec

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


def mask_graph(bins: int):
    """features (1, bins) int8 -> LOGISTIC -> mask (1, bins) in [0, 1): a per-bin mask of the feature, scaled
    so that log-power (-21..13) and power-law 0.3 (0..20) features both fall inside int8."""
    from tests.graphs import _graph, _Tensors

    t = _Tensors()
    x = t.add("features", "int8", (1, bins), [0.15], [10])
    m = t.add("mask", "int8", (1, bins), [1 / 256], [-128])
    return _graph(t, [("LOGISTIC", [x], [m], None)], [x], [m], f"<mask {bins}>")


@cache
def mask_tflite(chain: ChainSpec) -> bytes:
    """mask_graph of the chain's bins as a .tflite whose `hil_chain` metadata names the chain."""
    from tests.graphs import to_tflite

    return with_chain(to_tflite(mask_graph(chain.bins), {0: "features", 1: "mask"}), chain)


def sample_diff(a: np.ndarray, b: np.ndarray) -> str:
    """How two outputs differ, for an assertion's message."""
    bad = np.flatnonzero(a != b)
    return f"{bad.size} of {a.size} samples differ, first at {bad[:5]}"


def assert_board_matches_mirror(session, model, mirror):
    """Stream utterance() on the board: the mirror's output bit for bit, every stage counted, and on the emulator
    (instructions) the data-independent stages (analysis, mask) the same every hop. Returns the board's result."""
    from hil.step.chain import stream_utterance

    got = stream_utterance(session, model, utterance())
    assert np.array_equal(got.enhanced, mirror.enhanced), sample_diff(got.enhanced, mirror.enhanced)
    counts = got.stage_counts
    assert counts.shape == mirror.stage_counts.shape and np.all(counts > 0)
    if got.counter == "tim2-icount":
        assert np.all(counts[:, 0] == counts[0, 0]) and np.all(counts[:, 3] == counts[0, 3])
    return got
