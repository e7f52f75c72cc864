"""One search from start (or resume) to the result files, with progress on the terminal."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Optional

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from hil.boards import Board
from hil.outputs import writable_dir
from hil.search.nsga import Settings, first_front, nsga2
from hil.search.pool import BoardPool, BoardSlot
from hil.search.results import write_results
from hil.search.runner import Problem, Runner
from hil.search.store import Store


def _progress(console: Console, enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]search[/] gen {task.fields[gen]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("evaluated {task.fields[evaluated]} · stored {task.fields[cached]} · front {task.fields[front]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        disable=not enabled,
        transient=False,
    )


def run_search(problem: Problem, boards: list[Board], settings: Settings, out: Path, identity: dict,
               metric: str, operators=(), console: Optional[Console] = None, progress: bool = True,
               urls: Optional[list] = None, farm=None) -> dict:  # fmt: skip
    """Run (or resume) NSGA-II into `out`. `identity` (task, model, ...) and the settings are checked against
    a store being resumed. With `farm` (a FarmClient) each board is a place leased there."""
    console = console or Console(stderr=True)
    out = writable_dir(out)
    with Store(out / "search.db") as store:
        stored_before = store.count()
        # --generations may grow between runs: a longer run continues the same replayed history
        checked = {k: v for k, v in asdict(settings).items() if k not in ("generations", "gene_ranges")}
        if settings.gene_ranges:  # as JSON keeps them, so that a resumed run compares equal
            checked["gene_ranges"] = [list(r) for r in settings.gene_ranges]
        resumed = store.check_settings({**identity, **checked, "objectives": list(settings.objectives)})
        slots = _slots(boards, urls, farm)
        total = settings.population * (settings.generations + 1)
        bar = _progress(console, progress)
        task = bar.add_task("search", total=total, gen=f"0/{settings.generations}", evaluated=0, cached=0, front=0)
        counts = {"evaluated": 0, "cached": 0}

        def on_evaluation(e, cached):
            counts["cached" if cached else "evaluated"] += 1
            bar.update(task, advance=1, evaluated=counts["evaluated"], cached=counts["cached"])

        history = []

        def on_generation(g, pop, info):
            front = [ind for ind in first_front(pop) if store.get(ind.key).feasible]
            history.append({"generation": g, "front_size": len(front)})
            store.put_generation(g, [ind.key for ind in pop], [ind.key for ind in front], store.count(), info["time"])
            bar.update(task, gen=f"{g}/{settings.generations}", front=len(front),
                       completed=settings.population * (g + 1))  # fmt: skip

        t0 = time.perf_counter()
        with BoardPool(slots) as pool, bar:
            runner = Runner(store, problem, pool, settings.budget_bytes, on_evaluation)
            nsga2(settings, runner.evaluate, on_generation)
        run = _run_figures(runner, slots, time.perf_counter() - t0, resumed=resumed, stored_before=stored_before,
                           cached=counts["cached"], history=history)  # fmt: skip
        run["cycles_measured"] = getattr(problem, "cost_note", None)  # a few steps or all validation (if said)
        return write_results(out, store.all(), settings.objectives, settings.genome_length, metric, operators,
                             title=f"{identity.get('task', '')} · budget {settings.budget_bytes:,} B",
                             run=run, budget_bytes=settings.budget_bytes,
                             **({"genes": problem.genes} if hasattr(problem, "genes") else {}))  # fmt: skip


def _slots(boards: list[Board], urls: Optional[list], farm) -> list[BoardSlot]:
    if farm is None:
        return [BoardSlot(b, i, (urls or [None] * len(boards))[i]) for i, b in enumerate(boards)]
    from hil.farm.lease import PlaceSource, enough_places

    enough_places(farm, [b.name for b in boards])
    return [BoardSlot(b, i, source=PlaceSource(farm, b)) for i, b in enumerate(boards)]


def _run_figures(runner: Runner, slots: list[BoardSlot], wall_s: float, resumed: bool, stored_before: int,
                 cached: int, history: list[dict]) -> dict:  # fmt: skip
    """How the search went (summary.json's "run"): work, time, boards, throughput, speed-up."""
    minutes = wall_s / 60
    return {
        "resumed": resumed,
        "stored_before": stored_before,
        "evaluated_now": runner.evaluated,
        "answered_from_store": cached,
        "wall_s": round(wall_s, 2),
        "boards": [s.name for s in slots],
        "board_restarts": {s.name: s.restarts for s in slots},
        "evaluations_per_minute": round(runner.evaluated / minutes, 2) if minutes > 0 else None,
        "evaluations_per_minute_per_board": round(runner.evaluated / minutes / len(slots), 2) if minutes else None,
        # how many boards' worth of work ran at once: summed evaluation time over wall time
        "parallel_speedup": round(runner.busy_s / wall_s, 2) if wall_s > 0 else None,
        "generations": history,
    }
