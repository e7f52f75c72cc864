"""Held-out quality of a masking model: the chain of hil.dsp.spec around a mask function, scored
with hil.metrics against the clean reference, noisy input and enhanced output side by side.

A mask function maps (T, BINS) float32 features to (T, BINS) masks. `sequence_mask_fn` wraps a Keras
sequence model (float); `int8_mask_fn` runs an int8 single-step TFLite model frame by frame with its
GRU states fed back (hil.step.engines.run_stream: the board's C runtime in the simulator, TFLM
or the TFLite reference kernels). Used by the speech models' recipes.
"""

from __future__ import annotations

import numpy as np

from hil.audio.corpus import load_split, read_wav
from hil.dsp.spec import enhance
from hil.errors import ConfigError
from hil.metrics import METRICS, scores
from hil.quant import dequantize, quantize
from hil.step.engines import run_stream
from hil.step.roles import step_io


def sequence_mask_fn(model):
    """The masks of a Keras model `Input(T, BINS) -> ... -> (T, BINS)` over one whole utterance."""

    def fn(feats: np.ndarray) -> np.ndarray:
        return np.asarray(model(feats[None], training=False))[0]

    return fn


def int8_mask_fn(tflite_bytes: bytes, engine: str = "sim"):
    """The dequantized masks of an int8 single-step model, streamed frame by frame from zero states."""
    io = step_io(tflite_bytes)
    f, m = io.features, io.mask

    def fn(feats: np.ndarray) -> np.ndarray:
        masks = run_stream(tflite_bytes, quantize(feats, f.scale, f.zero_point, f.dtype), engine=engine)[0]
        return dequantize(masks, m.scale, m.zero_point, np.float64).reshape(len(feats), -1)

    return fn


def _mean(rows: list[dict]) -> dict:
    return {k: float(np.mean([r[k] for r in rows])) for k in METRICS}


def evaluate_pairs(pairs, mask_fns: dict) -> dict:
    """Mean metrics over (clean int16, noisy int16) pairs: {'noisy': {...}, name: {...}, name + '_delta': {...}}
    for every named mask function, and 'utterances'. Values rounded to 4 decimals."""
    noisy_rows, enhanced_rows = [], {name: [] for name in mask_fns}
    for clean, noisy in pairs:
        noisy_rows.append(scores(clean, noisy))
        for name, fn in mask_fns.items():
            enhanced_rows[name].append(scores(clean, enhance(noisy, fn)))
    out = {"utterances": len(noisy_rows), "noisy": _mean(noisy_rows)}
    for name, rows in enhanced_rows.items():
        out[name] = _mean(rows)
        out[f"{name}_delta"] = {k: out[name][k] - out["noisy"][k] for k in METRICS}
    return {k: {m: round(v, 4) for m, v in d.items()} if isinstance(d, dict) else d for k, d in out.items()}


def read_pairs(root, split: str, limit: int | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """(clean, noisy) int16 signals of a corpus split (hil.audio.corpus layout), the first `limit` by id."""
    pairs = load_split(root, split)[:limit]
    if any(p.clean_path is None for p in pairs):
        raise ConfigError(f"{root}/{split}: wanted clean/ beside noisy/ to score against, got no clean folder")
    return [(read_wav(p.clean_path)[0], read_wav(p.noisy_path)[0]) for p in pairs]
