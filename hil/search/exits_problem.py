"""The early-exit search problem: the confidence policy's threshold of a model with exits (hil.dsp.exits) as
a gene, the mean cost the board measures under it as the cost objective.

Gene 0 is the threshold in steps of 1 / THRESHOLD_STEPS (0..THRESHOLD_STEPS, tau = gene / THRESHOLD_STEPS).
The model's GRUs run as fused int8 GRU_STEP_S8 ops, so it has no mixed-precision bit widths to add as
genes (a model with HIL_MP_GRU cells would carry them; the exits' models do not). `accuracy` runs the
task's validation split through the simulator with the policy and the state rule (hil.step.exits,
every op computed, then the policy's choice), `cycles` streams COST_SEGMENTS validation segments through
the board's chain under the policy (the board computing only the exits it takes) and returns the mean
counter ticks per frame of the whole chain: the policy's mean measured cost. The size is the model's,
the same for every threshold.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from hil.compile.compiler import compile_tflite
from hil.dsp.exits import ExitPolicy
from hil.quant import quantize_for
from hil.sim import Simulator
from hil.step.chain import StreamModel, stream_utterance
from hil.step.exits import exit_batch, exit_config_of
from hil.step.roles import step_io

THRESHOLD_STEPS = 20
COST_SEGMENTS = 2  # validation segments (2 s each) streamed on the board per candidate


@dataclass
class ExitCandidate:
    genome: tuple[int, ...]
    compiled: object
    policy: ExitPolicy
    extra: dict = field(default_factory=dict)

    @property
    def size_bytes(self) -> int:
        return self.compiled.model_bytes


def _zoo_tflite(name: str) -> bytes:
    from hil.convert.keras_to_tflite import convert_model, load_calib, load_model
    from hil.dsp.identity import card_chain, with_chain
    from hil.dsp.spec import NSNET2
    from hil.zoo import zoo_path

    folder = zoo_path(name)
    tflite = convert_model(load_model(name), load_calib(str(folder / "calib.npy")))
    return with_chain(tflite, card_chain(folder) or NSNET2)


class ExitProblem:
    genome_length = 1
    gene_ranges = ((0, THRESHOLD_STEPS),)
    operators = ("exit_threshold",)
    genes = f"exit threshold in 1/{THRESHOLD_STEPS} steps"

    def __init__(self, task_name: str = "se-exits", seed: int = 0, val_limit: int | None = None,
                 tflite: bytes | None = None, task=None):  # fmt: skip
        from hil.tasks import get_task

        self.task = task or get_task(task_name)
        self.tflite = bytes(tflite) if tflite is not None else _zoo_tflite(self.task.zoo_name)
        self.compiled = compile_tflite(self.tflite)
        self.io = step_io(self.tflite)
        exit_config_of(self.tflite, ExitPolicy(), self.task.zoo_name)  # one clear line for a model without exits
        self.x_val, self.y_val = self.task.load("val", seed)
        if val_limit:
            self.x_val, self.y_val = self.x_val[:val_limit], self.y_val[:val_limit]
        self.x_val_q = quantize_for(self.x_val, self.io.features)
        self._sim_lock = threading.Lock()  # the simulator library holds one model at a time

    def policy(self, genome) -> ExitPolicy:
        return ExitPolicy("confidence", threshold=int(genome[0]) / THRESHOLD_STEPS)

    def build(self, genome) -> ExitCandidate:
        policy = self.policy(genome)
        return ExitCandidate(tuple(genome), self.compiled, policy, {"threshold": policy.threshold})

    def accuracy(self, cand: ExitCandidate) -> float:
        cfg = exit_config_of(self.tflite, cand.policy)
        with self._sim_lock:
            masks, taken = exit_batch(Simulator(self.compiled.blob), self.io, cfg, self.x_val_q)
        hist = np.bincount(taken.reshape(-1), minlength=len(cfg.exits))
        cand.extra["exit_fraction_val"] = (hist / hist.sum()).round(4).tolist()
        return float(self.task.score(masks, self.y_val))

    def cycles(self, session, cand: ExitCandidate) -> float:
        model = StreamModel.from_tflite(self.tflite, name=self.task.zoo_name, policy=cand.policy)
        ticks = [stream_utterance(session, model, rec["noisy"]).stage_counts.sum(axis=1)
                 for rec in self.y_val[:COST_SEGMENTS]]  # fmt: skip
        return float(np.concatenate(ticks).mean())
