"""Evaluating genomes: the store first, then the problem on the host and the boards in parallel.

A `Problem` turns a genome into a candidate (`build`: the compiled model and its size), scores it on
the host (`accuracy`: the bit-exact simulator on the task's validation split) and measures it on a
board (`cycles`: mean counter ticks per inference over an open session). Candidates over the budget
are stored as infeasible and never sent to a board.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_EXCEPTION, wait
from typing import Callable, Optional, Protocol

from hil.energy.model import energy_uj
from hil.search.genome import genome_key
from hil.search.pool import BoardPool, BoardSlot
from hil.search.store import Evaluation, Store


class Problem(Protocol):
    genome_length: int

    def build(self, genome: tuple[int, ...]): ...  # -> a candidate with .size_bytes

    def accuracy(self, candidate) -> float: ...

    def cycles(self, session, candidate) -> float: ...


class Runner:
    def __init__(self, store: Store, problem: Problem, pool: BoardPool, budget_bytes: int,
                 on_evaluation: Optional[Callable[[Evaluation, bool], None]] = None):  # fmt: skip
        self.store, self.problem, self.pool, self.budget_bytes = store, problem, pool, budget_bytes
        self.on_evaluation = on_evaluation or (lambda e, cached: None)
        self.evaluated = 0  # evaluations run by this process (not answered from the store)
        self.busy_s = 0.0  # their summed evaluation time, across boards
        self._lock = threading.Lock()

    def evaluate(self, genomes: list[tuple[int, ...]]) -> dict[str, Evaluation]:
        results: dict[str, Evaluation] = {}
        todo = {}
        for g in genomes:
            key = genome_key(g)
            if key in results or key in todo:
                continue
            stored = self.store.get(key)
            if stored is not None:
                results[key] = stored
                self.on_evaluation(stored, True)
            else:
                todo[key] = g
        if todo:
            results.update(self._run(list(todo.values())))
        return results

    def _run(self, genomes: list[tuple[int, ...]]) -> dict[str, Evaluation]:
        out = {}
        pending = {self.pool.submit(lambda slot, g=g: self._one(slot, g)) for g in genomes}
        while pending:
            done, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for f in done:
                if f.exception() is not None:
                    for p in pending:
                        p.cancel()
                    wait(pending)  # the jobs already on a board end before the error leaves
                    raise f.exception()
                e = f.result()
                self.store.put(e)  # durable before anything else happens
                out[e.genome] = e
                with self._lock:
                    self.evaluated += 1
                    self.busy_s += e.busy_s
                self.on_evaluation(e, False)
        return out

    def _one(self, slot: BoardSlot, genome: tuple[int, ...]) -> Evaluation:
        started, t0 = time.time(), time.perf_counter()
        cand = self.problem.build(genome)
        acc = float(self.problem.accuracy(cand))
        e = Evaluation(genome=genome_key(genome), accuracy=acc, size_bytes=int(cand.size_bytes),
                       feasible=cand.size_bytes <= self.budget_bytes, started=started,
                       extra=dict(getattr(cand, "extra", {})))  # fmt: skip
        if e.feasible:
            cycles = float(slot.run(lambda s: self.problem.cycles(s, cand)))
            counter = slot.session().board_info.counter
            e.cycles, e.board, e.counter = cycles, slot.name, counter
            if slot.board.energy is not None:
                e.energy_uj, e.energy_source = energy_uj(round(cycles), slot.board), "model"
        e.finished = time.time()
        e.busy_s = time.perf_counter() - t0
        return e
