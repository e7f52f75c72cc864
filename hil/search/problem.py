"""The mixed-precision GRU search problem: a task's float GRU model, requantized per genome.

`build` replaces the model's GRU cells by HIL_MP_GRU operators at the genome's bit widths and
compiles the result; its size is the compiled blob's. `accuracy` runs the task's validation split
through the simulator (the board's C runtime, bit-exact with the board), step by step with the
state fed back, and scores it with the task's metric. `cycles` uploads the blob over an open session
(no reflash) and takes the mean counter ticks of a few steps of real validation inputs, or, for a model
whose cost depends on its input (DYNAMIC_COST_OPS: DynCP's gated blocks), of every step of the validation
split (`cycle_rows`); `cost_note` says which, and the search's summary carries it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from hil.compile.compiler import compile_tflite
from hil.link.upload import ensure_model
from hil.quant import dequantize_for, quantize_for
from hil.sim import Simulator
from hil.step.engines import stream_batch
from hil.step.roles import step_io


CALIB_SEQUENCES = 64  # float sequences from the train split that set the activation ranges
CYCLE_STEPS = 4  # steps timed on the board per candidate whose cost does not depend on its input
DYNAMIC_COST_OPS = ("HIL_GATED_CONV",)  # ops whose work depends on their input (the kept channels)


def cycle_rows(compiled, x_val_q: np.ndarray) -> tuple[np.ndarray, str]:
    """(the feature rows to time on the board, what their mean stands for): a few steps of the first
    validation sequence, or every step of every sequence (back to back) when the model's cost depends on
    its input."""
    dynamic = sorted({o["op"] for o in compiled.ops} & set(DYNAMIC_COST_OPS))
    if not dynamic:
        rows = x_val_q[0][:CYCLE_STEPS]
        return rows, f"mean of {len(rows)} steps on the board (the model's cost does not depend on its input)"
    rows = x_val_q.reshape(-1, *x_val_q.shape[2:])
    return rows, (f"mean over all {len(rows)} validation steps on the board (the model's cost depends on its "
                  f"input: {', '.join(dynamic)})")  # fmt: skip


@dataclass
class Candidate:
    genome: tuple[int, ...]
    compiled: object  # hil.compile.compiler.CompiledModel
    roles: object  # hil.step.roles.StepIO of the model (the surgery keeps input/output order)
    extra: dict = field(default_factory=dict)

    @property
    def size_bytes(self) -> int:
        return self.compiled.model_bytes


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

        from hil.convert.mpgru_build import MpBuilder
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
        self.roles = step_io(self.builder.int8_tflite)
        self.x_val, self.y_val = self.task.load("val", seed)
        if val_limit:
            self.x_val, self.y_val = self.x_val[:val_limit], self.y_val[:val_limit]
        # every candidate keeps the int8 model's feature input (the surgery only replaces GRU cells)
        self.x_val_q = quantize_for(self.x_val, self.roles.features)
        self.cost_note: str | None = None  # what the cycles objective's mean stands for (cycle_rows)
        self._sim_lock = threading.Lock()  # the simulator library holds one model at a time
        self._build_lock = threading.Lock()

    def build(self, genome) -> Candidate:
        with self._build_lock:
            tflite = self.builder.tflite(tuple(genome))
        compiled = compile_tflite(tflite)
        return Candidate(tuple(genome), compiled, self.roles)

    def run_sequences(self, cand: Candidate, x_q: np.ndarray) -> np.ndarray:
        """(N, T, outputs) dequantized outputs of the compiled model over int8 sequences (N, T, F)."""
        with self._sim_lock:
            masks = stream_batch(Simulator(cand.compiled.blob), cand.roles, x_q)
        return dequantize_for(masks, cand.compiled.outputs[cand.roles.mask.position], np.float32)

    def accuracy(self, cand: Candidate) -> float:
        return float(self.task.score(self.run_sequences(cand, self.x_val_q), self.y_val))

    def cycles(self, session, cand: Candidate) -> float:
        cm, r = cand.compiled, cand.roles
        ensure_model(session, cm.blob)
        x_q, self.cost_note = cycle_rows(cm, self.x_val_q)
        ticks = []
        for t in range(x_q.shape[0]):
            parts = [x_q[t].tobytes() if i == r.features.position else np.zeros(cm.inputs[i].nbytes, np.uint8).tobytes()
                     for i in range(len(cm.inputs))]  # fmt: skip
            c, _ = session.invoke(b"".join(parts), reply_bytes=sum(o.nbytes for o in cm.outputs))
            ticks.append(c)
        return float(np.mean(ticks))
