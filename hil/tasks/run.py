"""Run a float Keras model over (N, T, F) sequences, whether it is a sequence model or a single-step one."""

from __future__ import annotations

import numpy as np

from hil.errors import ConfigError


def is_step_model(model) -> bool:
    """True for a single-step recurrent model: inputs (features, state), outputs (output, state_out)."""
    return len(model.inputs) == 2 and len(model.outputs) == 2


def run_step_model(step_model, x: np.ndarray) -> np.ndarray:
    """(N, T, M) outputs of a single-step model fed every sequence of x at once, step by step from state 0."""
    n_features, units = step_model.inputs[0].shape[-1], step_model.inputs[1].shape[-1]
    if x.ndim != 3 or x.shape[-1] != n_features:
        raise ConfigError(f"step model '{step_model.name}': wanted inputs (N, T, {n_features}), got {x.shape}")
    h = np.zeros((len(x), units), np.float32)
    outs = []
    for t in range(x.shape[1]):
        out, h = step_model([x[:, t].astype(np.float32), h], training=False)
        outs.append(np.asarray(out))
        h = np.asarray(h)
    return np.stack(outs, axis=1)


def sequence_outputs(model, x: np.ndarray, batch: int = 256) -> np.ndarray:
    """(N, T, M) outputs of a sequence model or a single-step model over x (N, T, F)."""
    if is_step_model(model):
        return run_step_model(model, x)
    if len(model.inputs) != 1:
        raise ConfigError(f"model '{model.name}': wanted one sequence input or (features, state), "
                          f"got {len(model.inputs)} inputs")  # fmt: skip
    return np.asarray(model.predict(x, batch_size=batch, verbose=0))
