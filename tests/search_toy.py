"""A toy search problem with a known trade-off, measured on a real (host or emulated) board.

Genome: 6 bit widths. Size: bits x a weight count per operator. Accuracy: 1 - sum of a quantisation
error that halves with every bit. Cycles: the board's SPIN loop run for a genome-dependent number of
steps, so the figure is a real board measurement (deterministic under icount).
Run as a script (`python tests/search_toy.py OUT BOARD [BOARD...] --generations G`) for the kill tests.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

WEIGHTS = (4000, 4000, 2000, 1000, 500, 250)
NOISE = (0.2, 0.1, 0.2, 0.05, 0.05, 0.02)


@dataclass
class ToyCandidate:
    genome: tuple
    size_bytes: int
    extra: dict = field(default_factory=dict)


class ToyProblem:
    genome_length = len(WEIGHTS)
    operators = tuple(f"op{i}" for i in range(len(WEIGHTS)))

    def __init__(self, delay_s: float = 0.0):
        self.delay_s = delay_s

    def build(self, genome):
        return ToyCandidate(tuple(genome), sum(w * b // 8 for w, b in zip(WEIGHTS, genome)))

    def accuracy(self, cand):
        if self.delay_s:
            import time

            time.sleep(self.delay_s)
        return 1.0 - sum(n * 2.0 ** (-b) for n, b in zip(NOISE, cand.genome))

    def cycles(self, session, cand):
        return session.spin(100 * sum(cand.genome))


def main(argv):
    import argparse

    from hil.boards import get_board
    from hil.search.nsga import Settings
    from hil.search.run import run_search

    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("boards", nargs="+")
    ap.add_argument("--generations", type=int, default=3)
    ap.add_argument("--delay", type=float, default=0.0)
    a = ap.parse_args(argv)
    settings = Settings(population=8, generations=a.generations, seed=1, genome_length=6,
                        objectives=("accuracy", "size", "cycles"), budget_bytes=9000)  # fmt: skip
    s = run_search(ToyProblem(a.delay), [get_board(b) for b in a.boards], settings, a.out, {"task": "toy"},
                   "accuracy", ToyProblem.operators, progress=False)  # fmt: skip
    print(s["run"])


if __name__ == "__main__":
    main(sys.argv[1:])
