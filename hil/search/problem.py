"""The mixed-precision GRU search problem: a task's float GRU model, requantized per genome.

`build` replaces the model's GRU cells by HIL_MP_GRU operators at the genome's bit widths and
compiles the result; its size is the compiled blob's. `accuracy` runs the task's validation split
through the simulator (the board's C runtime, bit-exact with the board), step by step with the
state fed back, and scores it with the task's metric. `cycles` uploads the blob over an open session
(no reflash) and takes the mean counter ticks of a few steps of real validation inputs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np


CALIB_SEQUENCES = 64  # float sequences from the train split that set the activation ranges
CYCLE_STEPS = 4  # steps timed on the board per candidate


@dataclass
class Candidate:
    genome: tuple[int, ...]
    compiled: object  # hil.compile.compiler.CompiledModel
    roles: "Roles"
    extra: dict = field(default_factory=dict)

    @property
    def size_bytes(self) -> int:
        return self.compiled.model_bytes


@dataclass(frozen=True)
class Roles:
    """Positions of the step model's inputs and outputs: features, per-layer (state, state_out), output."""

    features: int
    output: int
    states: tuple[tuple[int, int], ...]


def step_roles(int8_tflite: bytes) -> Roles:
    """The roles by position, from the builtin int8 step model (the surgery keeps input/output order)."""
    from hil.convert.streaming import step_io

    io = step_io(int8_tflite)
    return Roles(io.features.position, io.mask.position, tuple((a.position, b.position) for a, b in io.states))


def _step_model(keras_model):
    """The single-step model of a zoo model (its sequence model through gru_step_model, or itself)."""
    import keras

    from hil.convert.streaming import gru_step_model

    if any(isinstance(layer, keras.layers.GRU) for layer in keras_model.layers):
        return gru_step_model(keras_model)
    return keras_model


class MpGruProblem:
    def __init__(self, task_name: str, seed: int = 0, val_limit: int | None = None):
        import keras

        from hil.convert.streaming import step_io
        from hil.convert.tflm import quantize

        from hil.mpgru.build import MpBuilder
        from hil.mpgru.genome import OPERATORS, operator_name
        from hil.tasks import get_task
        from hil.zoo import zoo_path

        self.task = get_task(task_name)
        model = keras.models.load_model(zoo_path(self.task.zoo_name) / "model.keras", compile=False)
        step = _step_model(model)
        x_train, _ = self.task.load("train", seed)
        pick = np.random.default_rng(seed).permutation(len(x_train))[:CALIB_SEQUENCES]
        self.builder = MpBuilder(step, x_train[np.sort(pick)], seed=seed)
        self.genome_length = len(OPERATORS) * len(self.builder.cells)
        self.operators = tuple(operator_name(i) for i in range(self.genome_length))
        self.roles = step_roles(self.builder.int8_tflite)
        self.x_val, self.y_val = self.task.load("val", seed)
        if val_limit:
            self.x_val, self.y_val = self.x_val[:val_limit], self.y_val[:val_limit]
        # every candidate keeps the int8 model's feature input (the surgery only replaces GRU cells)
        self.x_val_q = quantize(self.x_val, step_io(self.builder.int8_tflite).features)
        self._sim_lock = threading.Lock()  # the simulator library holds one model at a time
        self._build_lock = threading.Lock()

    def build(self, genome) -> Candidate:
        with self._build_lock:
            tflite = self.builder.tflite(tuple(genome))
        from hil.compile.compiler import compile_tflite

        compiled = compile_tflite(tflite)
        return Candidate(tuple(genome), compiled, self.roles)

    def run_sequences(self, cand: Candidate, x_q: np.ndarray) -> np.ndarray:
        """(N, T, outputs) dequantized outputs of the compiled model over int8 sequences (N, T, F)."""
        from hil.sim import Simulator

        cm, r = cand.compiled, cand.roles
        n, steps = x_q.shape[:2]
        states = {i: np.zeros((n, *cm.inputs[i].shape[1:]), np.int8) for i, _ in r.states}
        out_spec = cm.outputs[r.output]
        outs = np.zeros((n, steps, int(np.prod(out_spec.shape[1:]))), np.float32)
        with self._sim_lock:
            sim = Simulator(cm.blob)
            for t in range(steps):
                args = [x_q[:, t].reshape(n, *cm.inputs[i].shape[1:]) if i == r.features else states[i]
                        for i in range(len(cm.inputs))]  # fmt: skip
                res = sim.run(*args)
                for i, o in r.states:
                    states[i] = res[o].reshape(states[i].shape)
                outs[:, t] = (res[r.output].reshape(n, -1).astype(np.float32) - out_spec.zero_point) * out_spec.scale
        return outs

    def accuracy(self, cand: Candidate) -> float:
        return float(self.task.score(self.run_sequences(cand, self.x_val_q), self.y_val))

    def cycles(self, session, cand: Candidate) -> float:
        from hil.profile.run import ensure_model

        cm, r = cand.compiled, cand.roles
        ensure_model(session, cm)
        x_q = self.x_val_q[0]
        ticks = []
        for t in range(min(CYCLE_STEPS, x_q.shape[0])):
            parts = [x_q[t].tobytes() if i == r.features else np.zeros(cm.inputs[i].nbytes, np.uint8).tobytes()
                     for i in range(len(cm.inputs))]  # fmt: skip
            c, _ = session.invoke(b"".join(parts), reply_bytes=sum(o.nbytes for o in cm.outputs))
            ticks.append(c)
        return float(np.mean(ticks))
