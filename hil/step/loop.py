"""Running a model on an engine: row by row, or one step at a time with its recurrent state fed back.

An engine is anything behind `Runner` (set input by position / invoke / get output by position):
TFLM, the TFLite reference kernels, hil's simulator (hil.step.engines). `stream_loop` drives a
single-step model over a sequence from the zero state, carrying each new state (quantised as the
state output) into the state input's quantisation before the next step by the one state rule, the
board's integer requantisation (hil.quant.requantize_state; firmware/src/dsp/stream.c does the same).
"""

from __future__ import annotations

import numpy as np

from hil.compile.model_info import ModelInfo, TensorInfo
from hil.errors import ConfigError
from hil.quant import requantize_state
from hil.step.roles import step_io


def check_inputs(inputs: list[np.ndarray], infos: list[TensorInfo]) -> tuple[list[np.ndarray], int]:
    """Each input as (N, *shape[1:]) in the tensor's dtype; ConfigError naming what was wanted and got."""
    if len(inputs) != len(infos):
        raise ConfigError(f"inputs: wanted {len(infos)} arrays (one per model input), got {len(inputs)}")
    rows = []
    for arr, info in zip(inputs, infos):
        arr = np.asarray(arr)
        row_shape = info.shape[1:]
        if arr.shape == row_shape:
            arr = arr[None]
        if arr.ndim != len(info.shape) or arr.shape[1:] != row_shape:
            want = ", ".join(map(str, row_shape))
            raise ConfigError(f"input '{info.name}': wanted shape (N, {want}), got {arr.shape}")
        if arr.dtype != info.dtype:
            raise ConfigError(f"input '{info.name}': wanted dtype {np.dtype(info.dtype).name}, got {arr.dtype.name}")
        rows.append(arr)
    counts = {len(a) for a in rows}
    if len(counts) != 1:
        raise ConfigError(f"inputs: wanted the same number of rows in every input, got {[len(a) for a in rows]}")
    return rows, counts.pop()


class Runner:
    """One interpreter behind set(input position, array) / invoke() / get(output position)."""

    def __init__(self, set_input, invoke, get_output):
        self.set, self.invoke, self.get = set_input, invoke, get_output


def run_rows(runner: Runner, info: ModelInfo, rows: list[np.ndarray]) -> list[np.ndarray]:
    """Every row through the model, one invocation each, no state kept between them: one array per output."""
    outs = [[] for _ in info.outputs]
    for r in range(len(rows[0]) if rows else 1):
        for arr, t in zip(rows, info.inputs):
            runner.set(t.position, np.ascontiguousarray(arr[r].reshape(t.shape)))
        runner.invoke()
        for k, t in enumerate(info.outputs):
            outs[k].append(np.array(runner.get(t.position)).reshape(t.shape[1:]))
    return [np.stack(o) for o in outs]


def stream_loop(runner: Runner, info, features: np.ndarray) -> list[np.ndarray]:
    """Run quantized (T, F) features one step at a time, feeding each requantized state back.

    Starts from zero states; returns [masks (T, ...), then per GRU its new states (T, ...) in its
    state output's quantization]."""
    io = step_io(info)
    hs = [np.full(i.shape, i.zero_point, i.dtype) for i, _ in io.states]
    masks, states = [], [[] for _ in io.states]
    for frame in features:
        runner.set(io.features.position, np.ascontiguousarray(frame.reshape(io.features.shape)))
        for h, (inp, _) in zip(hs, io.states):
            runner.set(inp.position, h)
        runner.invoke()
        masks.append(np.array(runner.get(io.mask.position)).reshape(io.mask.shape[1:]))
        for k, (inp, out) in enumerate(io.states):
            s = np.array(runner.get(out.position))
            states[k].append(s.reshape(out.shape[1:]))
            hs[k] = requantize_state(s, out.scale, out.zero_point, inp.scale, inp.zero_point, inp.dtype).reshape(inp.shape)
    return [np.stack(masks), *(np.stack(s) for s in states)]


def run_steps_float(step_model, features: np.ndarray, state=None):
    """Run a float step model over a (T, F) sequence from the zero state (or `state`): the masks (T, M)
    and the final state, an array for a one-GRU model, a list of arrays (one per GRU) otherwise."""
    sizes = [t.shape[-1] for t in step_model.inputs[1:]]
    if state is None:
        hs = [np.zeros((1, n), np.float32) for n in sizes]
    else:
        hs = [np.asarray(s, np.float32).reshape(1, -1) for s in ([state] if len(sizes) == 1 else state)]
    masks = []
    for frame in features.astype(np.float32):
        mask, *hs = step_model([frame[None], *hs], training=False)
        masks.append(np.asarray(mask)[0])
        hs = [np.asarray(h) for h in hs]
    final = [h[0] for h in hs]
    return np.stack(masks), final[0] if len(final) == 1 else final
