"""The job kinds a nightly matrix may name: each is a `hil` command line and the figures read from its
JSON. A new kind is one more row of JOB_KINDS (a kind whose command this hil lacks is skipped and said so).

Figure kinds say how a figure is compared with the history: `count` (counter ticks: exact when the
counter is an emulator's instruction count, else timing), `size` (exact), `quality`, `energy`,
`timing` (thresholds), `info` (recorded and plotted, never a regression: host wall-clock rates).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from hil.errors import ConfigError
from hil.nightly.matrix import Job


@dataclass(frozen=True)
class Figure:
    metric: str
    value: float
    kind: str  # count, size, quality, energy, timing, info
    better: str = "lower"  # or higher
    unit: str = ""
    counter: Optional[str] = None
    energy_source: Optional[str] = None


@dataclass(frozen=True)
class Cell:
    """One job of the matrix on one board (and model, for the kinds that take one)."""

    index: int
    job: Job
    board: str
    model: Optional[str]
    out: Path

    @property
    def name(self) -> str:
        return "-".join(filter(None, [f"{self.index:02d}", self.job.kind, self.model, self.board]))


@dataclass(frozen=True)
class JobKind:
    argv: Callable[[Cell, Optional[str]], list[str]]  # (cell, audio corpus) -> hil arguments
    figures: Callable[[dict], list[Figure]]  # the command's JSON -> figures
    per_model: bool = False
    output: str = "stdout"  # where the JSON is: stdout, or a file in the cell's folder
    module: Optional[str] = None  # a hil module this hil must have for the kind to run


def _profile_argv(cell: Cell, audio: Optional[str]) -> list[str]:
    argv = ["profile", "--board", cell.board, "--model", cell.model, "--audio", str(audio), "--split", cell.job.split,
            "--out", str(cell.out / "profile"), "--json", str(cell.out / "out.json")]  # fmt: skip
    return argv + (["--limit", str(cell.job.limit)] if cell.job.limit else [])


def _count(metric: str, value, counter: str) -> Figure:
    return Figure(metric, float(value), "count", "lower", "ticks", counter=counter)


def _profile_figures(out: dict) -> list[Figure]:
    cost, counter = out["cost"], out["cost"]["counter"]
    figures = [_count("ticks_per_frame", cost["ticks_per_frame"]["mean"], counter)]
    figures += [_count(f"ticks_per_frame.{stage}", v["mean"], counter) for stage, v in sorted(cost["stages"].items())]
    figures += [Figure(f"{m}.enhanced", float(q["enhanced"]), "quality", "higher") for m, q in sorted(out["quality"].items())]
    energy = cost["energy"]
    figures.append(Figure("energy_per_frame_uj", float(energy["energy_per_frame_uj"]), "energy", "lower", "uJ",
                          counter=counter, energy_source=energy["energy_source"]))  # fmt: skip
    figures.append(Figure("model_bytes", float(out["model_bytes"]), "size", "lower", "B"))
    return figures


def _bench_kernels_figures(out: dict) -> list[Figure]:
    figures = []
    for row in out["kernels"]:
        for which in ("reference", "optimized"):
            figures.append(_count(f"{row['kernel']} {row['shape']} {which}", row[which]["count"], out["counter"]))
    return figures


def _bench_models_figures(out: dict) -> list[Figure]:
    return [_count(f"{row['model']}", row["count"], row["counter"]) for row in out["models"] if row.get("fits")]


def _search_argv(cell: Cell, audio: Optional[str]) -> list[str]:
    j = cell.job
    argv = ["search", "--task", j.task, "--budget", j.budget, "--boards", f"{cell.board}:{j.places}", "--population",
            str(j.population), "--generations", str(j.generations), "--seed", "0", "--out", str(cell.out / "search"),
            "--json"]  # fmt: skip
    return argv + (["--val-limit", str(j.val_limit)] if j.val_limit else [])


def _search_figures(out: dict) -> list[Figure]:
    figures = [Figure(f"{out['metric']} int8", float(out["baselines"]["int8"]["accuracy"]), "quality", "higher")]
    best = out.get("smallest_within_tolerance")
    if best is not None:
        figures.append(Figure("size_bytes within tolerance", float(best["size_bytes"]), "size", "lower", "B"))
        figures.append(Figure("size_reduction_vs_int8", float(out["size_reduction_vs_int8"]), "quality", "higher"))
        if best.get("cycles") is not None:
            figures.append(_count("ticks within tolerance", best["cycles"], best["counter"]))
            figures.append(Figure("energy_uj within tolerance", float(best["energy_uj"]), "energy", "lower", "uJ",
                                  counter=best["counter"], energy_source=best["energy_source"]))  # fmt: skip
    rate = out["run"].get("evaluations_per_minute")
    if rate:
        figures.append(Figure("evaluations_per_minute", float(rate), "info", "higher"))
    return figures


JOB_KINDS: dict[str, JobKind] = {
    "profile": JobKind(_profile_argv, _profile_figures, per_model=True, output="out.json"),
    "bench-kernels": JobKind(lambda c, a: ["bench", "kernels", "--board", c.board, "--json"], _bench_kernels_figures),
    "bench-models": JobKind(lambda c, a: ["bench", "models", "--board", c.board, "--json"], _bench_models_figures,
                            module="hil.bench.models"),  # fmt: skip
    "search": JobKind(_search_argv, _search_figures),
}


def check_kinds(jobs: list[Job], path: Path) -> None:
    for job in jobs:
        if job.kind not in JOB_KINDS:
            raise ConfigError(f"{path}: job kind '{job.kind}': wanted one of {', '.join(JOB_KINDS)}")


def available(kind: str) -> bool:
    module = JOB_KINDS[kind].module
    return module is None or importlib.util.find_spec(module) is not None
