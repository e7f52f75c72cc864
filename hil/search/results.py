"""What a search leaves in its folder: pareto.json/.csv, pareto.png and summary.json.

The front is the set of feasible evaluations no other feasible evaluation dominates on the run's
objectives, over everything in the store (so it is the same whether the run went straight through
or was resumed). summary.json names the smallest genome whose accuracy is within 1 % (relative) of
the homogeneous 8-bit baseline's, and its size reduction against that baseline; only feasible genomes
qualify, and a search where nothing fits the budget says so (`nothing_fits`, `smallest_seen`).
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

from hil.search.genome import genome_key, uniform
from hil.search.nsga import BASELINE_BITS, OBJECTIVES, _FIELD
from hil.search.store import Evaluation

TOLERANCE = 0.01  # the relative accuracy drop the summary accepts against the 8-bit baseline
GENES = "bits per operator"  # what a genome holds, unless the problem says otherwise (its `genes`)


def _better_or_equal(a: Evaluation, b: Evaluation, objectives: Sequence[str]) -> bool:
    return all((getattr(a, _FIELD[o]) - getattr(b, _FIELD[o])) * OBJECTIVES[o] >= 0 for o in objectives)


def pareto_front(evals: list[Evaluation], objectives: Sequence[str]) -> list[Evaluation]:
    feasible = [e for e in evals if e.feasible]
    front = []
    for e in feasible:
        dominated = any(_better_or_equal(o, e, objectives) and not _better_or_equal(e, o, objectives) for o in feasible)
        if not dominated:
            front.append(e)
    return sorted(front, key=lambda e: (e.size_bytes, -e.accuracy))


def baselines(evals: list[Evaluation], genome_length: int, bit_widths: bool = True) -> dict[str, Evaluation]:
    """The homogeneous int8/int6/int4 genomes evaluated; none when the genes are not bit widths."""
    if not bit_widths:
        return {}
    by_key = {e.genome: e for e in evals}
    found = {f"int{b}": by_key.get(genome_key(uniform(b, genome_length))) for b in BASELINE_BITS}
    return {k: v for k, v in found.items() if v is not None}


def summary(evals: list[Evaluation], genome_length: int, metric: str, budget_bytes: int | None = None,
            genes: str = GENES) -> dict:
    """Counts, baselines and the smallest feasible genome within tolerance of int8 (never an infeasible one);
    when nothing fits the budget, `nothing_fits` and the smallest genome seen instead."""
    base = baselines(evals, genome_length, genes == GENES)
    feasible = [e for e in evals if e.feasible]
    out = {"metric": metric, "tolerance_relative": TOLERANCE, "budget_bytes": budget_bytes, "evaluations": len(evals),
           "feasible_evaluations": len(feasible), "nothing_fits": not feasible,
           "baselines": {k: _row(v) for k, v in base.items()}, "genes": genes}  # fmt: skip
    if not feasible:
        if evals:
            smallest = min(evals, key=_smallest_first)
            within = f" of {budget_bytes:,} B" if budget_bytes is not None else ""
            out["smallest_seen"] = _row(smallest)
            out["note"] = (f"nothing fits the budget{within}: the smallest genome seen, {smallest.genome}, needs "
                           f"{smallest.size_bytes:,} B")  # fmt: skip
        return out
    ref = base.get("int8")
    if ref is None:
        out["note"] = "the 8-bit baseline was not evaluated" if genes == GENES else f"genes: {genes}, no int8 baseline"
        return out
    out["accuracy_floor"] = floor = ref.accuracy - TOLERANCE * abs(ref.accuracy)
    ok = [e for e in feasible if e.accuracy >= floor]
    if not ok:
        out["note"] = f"no feasible genome within {TOLERANCE:.0%} of int8's {metric}"
        return out
    best = min(ok, key=_smallest_first)
    out["smallest_within_tolerance"] = _row(best)
    out["size_reduction_vs_int8"] = 1.0 - best.size_bytes / ref.size_bytes
    return out


def _smallest_first(e: Evaluation) -> tuple:
    return (e.size_bytes, -e.accuracy)


def _row(e: Evaluation) -> dict:
    d = asdict(e)
    d["bits"] = [int(b) for b in e.genome.split("-")]
    return d


_CSV = ("genome", "accuracy", "size_bytes", "cycles", "energy_uj", "counter", "energy_source", "board")


def write_results(out: Path, evals: list[Evaluation], objectives: Sequence[str], genome_length: int,
                  metric: str, operators: Sequence[str] = (), title: str = "", run: dict | None = None,
                  budget_bytes: int | None = None, genes: str = GENES) -> dict:  # fmt: skip
    """Write pareto.json, pareto.csv, pareto.png and summary.json into `out`; returns the summary.
    `run` (how the search went: timings, boards, speed-up) is stored in the summary as "run"."""
    out = Path(out)
    front = pareto_front(evals, objectives)
    doc = {"objectives": list(objectives), "metric": metric, "operators": list(operators),
           "front": [_row(e) for e in front]}  # fmt: skip
    (out / "pareto.json").write_text(json.dumps(doc, indent=2) + "\n")
    with open(out / "pareto.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(_CSV)
        for e in front:
            w.writerow([getattr(e, c) for c in _CSV])
    s = summary(evals, genome_length, metric, budget_bytes, genes)
    s["front_size"] = len(front)
    if run is not None:
        s["run"] = run
    (out / "summary.json").write_text(json.dumps(s, indent=2) + "\n")
    plot(out / "pareto.png", evals, front, baselines(evals, genome_length, genes == GENES), metric, title)
    return s


def plot(path: Path, evals: list[Evaluation], front: list[Evaluation], base: dict[str, Evaluation],
         metric: str, title: str) -> None:  # fmt: skip
    """Accuracy against size, coloured by cycles; the front joined; the homogeneous baselines marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    measured = [e for e in evals if e.feasible and e.cycles is not None]
    other = [e for e in evals if e not in measured]
    if other:
        ax.scatter([e.size_bytes for e in other], [e.accuracy for e in other], c="lightgrey", s=12,
                   label="infeasible / unmeasured")  # fmt: skip
    if measured:
        sc = ax.scatter([e.size_bytes for e in measured], [e.accuracy for e in measured],
                        c=[e.cycles for e in measured], cmap="viridis", s=16)  # fmt: skip
        counter = measured[0].counter or "counter"
        fig.colorbar(sc, ax=ax, label=f"ticks per inference ({counter})")
    ax.scatter([e.size_bytes for e in front], [e.accuracy for e in front], facecolor="none", edgecolor="tab:red",
               s=40, label="Pareto front (all objectives)")  # fmt: skip
    flat = pareto_front(evals, ("accuracy", "size"))
    ax.step([e.size_bytes for e in flat], [e.accuracy for e in flat], where="post", color="tab:red", lw=1,
            label="accuracy-size front")  # fmt: skip
    for name, e in base.items():
        ax.scatter([e.size_bytes], [e.accuracy], marker="*", s=160, edgecolor="black", facecolor="orange")
        ax.annotate(name, (e.size_bytes, e.accuracy), textcoords="offset points", xytext=(6, 4))
    ax.set_xlabel("model size (bytes, compiled blob)")
    ax.set_ylabel(metric)
    ax.set_title(title or "mixed-precision search")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
