"""The engines a step model streams on, in one table: TFLM ('tflm'), the TFLite reference kernels
('ref') and the board's C runtime in hil's simulator ('sim'). Each takes the int8 step model and its
quantised (T, F) features and returns [masks, then the new states of each recurrent layer], bit-exact
with one another where the kernels are (tests compare them)."""

from __future__ import annotations

from typing import Callable

import numpy as np

from hil.compile.compiler import compile_tflite
from hil.compile.model_info import ModelInfo, model_info
from hil.errors import ConfigError
from hil.sim import Simulator
from hil.step import reference
from hil.step.loop import Runner, check_inputs, stream_loop
from hil.quant import requantize_state
from hil.step.roles import StepIO, step_io


def sim_runner(sim: Simulator) -> Runner:
    """A simulator behind the Runner interface, one row at a time."""
    ins: list = [None] * len(sim.inputs)
    outs: list = []

    def invoke() -> None:
        outs[:] = [o[0] for o in sim.run(*(np.asarray(a).reshape(1, *t.shape) for a, t in zip(ins, sim.inputs)))]

    return Runner(ins.__setitem__, invoke, outs.__getitem__)


def stream_batch(sim: Simulator, io: StepIO, x_q: np.ndarray) -> np.ndarray:
    """A step model over a batch of quantised sequences (N, T, F) in the simulator, the N sequences
    advanced together from zero states, each new state fed back with the board's rule
    (hil.quant.requantize_state) between the quantisations the compiled model itself gives its state
    output and input (`io` gives positions only: it may come from the model before surgery).
    Returns the mask output's values, (N, T, mask elements)."""
    n, steps = x_q.shape[:2]
    ins, outs = sim.inputs, sim.outputs
    links = [(a.position, b.position) for a, b in io.states]
    states = {i: np.full((n, *ins[i].shape[1:]), ins[i].zero_point, ins[i].dtype) for i, _ in links}
    mask = outs[io.mask.position]
    masks = np.zeros((n, steps, int(np.prod(mask.shape[1:]))), mask.dtype)
    for t in range(steps):
        args = [x_q[:, t].reshape(n, *ins[i].shape[1:]) if i == io.features.position else states[i]
                for i in range(len(ins))]  # fmt: skip
        res = sim.run(*args)
        for i, o in links:
            new = requantize_state(res[o], outs[o].scale, outs[o].zero_point, ins[i].scale, ins[i].zero_point,
                                   ins[i].dtype)  # fmt: skip
            states[i] = new.reshape(states[i].shape)
        masks[:, t] = res[io.mask.position].reshape(n, -1)
    return masks


def _tflm(tflite: bytes, info: ModelInfo, rows: np.ndarray, arena_bytes: int | None) -> list[np.ndarray]:
    n_out = 1 + len(step_io(info).states)
    return reference.spawn_tflm(tflite, [rows], n_out, "stream", arena_bytes, reference.DEFAULT_TIMEOUT_S)


def _ref(tflite: bytes, info: ModelInfo, rows: np.ndarray, arena_bytes: int | None) -> list[np.ndarray]:
    return stream_loop(reference.ref_runner(tflite), info, rows)


def _sim(tflite: bytes, info: ModelInfo, rows: np.ndarray, arena_bytes: int | None) -> list[np.ndarray]:
    return stream_loop(sim_runner(Simulator(compile_tflite(tflite).blob)), info, rows)


ENGINES: dict[str, Callable[[bytes, ModelInfo, np.ndarray, int | None], list[np.ndarray]]] = {
    "tflm": _tflm,
    "ref": _ref,
    "sim": _sim,
}


def run_stream(tflite_bytes: bytes, features: np.ndarray, engine: str = "tflm", arena_bytes: int | None = None):
    """A single-step model over quantized (T, F) features on one of ENGINES: [masks, new states of each GRU...]."""
    if engine not in ENGINES:
        raise ConfigError(f"engine: wanted one of {', '.join(ENGINES)}, got '{engine}'")
    tflite = bytes(tflite_bytes)
    info = model_info(tflite)
    (rows,), _ = check_inputs([features], [step_io(info).features])
    return ENGINES[engine](tflite, info, rows, arena_bytes)
