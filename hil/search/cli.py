"""`hil search --budget 64kB --task T --board B [--board B ...] | --boards ID:N [--farm ADDRESS] [--population P]
[--generations G] [--seed S] [--objectives accuracy,size,cycles,energy] --out DIR`.

hil/cli.py wires it in with `add_search_parser(sub)`; errors are HilErrors, printed there as one line.
"""

from __future__ import annotations

import contextlib
import json
import re

from rich.console import Console
from rich.table import Table

from hil.boards import DEFAULT_BOARD
from hil.search.budget import format_bytes

BUDGET_HELP = ("flash budget for the compiled model: 65536 (bytes), 64kB (SI: x1000 = 64,000 B) or "
               "64KiB (IEC: x1024 = 65,536 B)")  # fmt: skip


def pareto_table(summary: dict, front: list[dict], metric: str, budget_bytes: int) -> Table:
    base8 = summary.get("baselines", {}).get("int8")
    t = Table(title=f"Pareto front ({len(front)} genomes, budget {format_bytes(budget_bytes)})")
    t.add_column(f"genome ({summary.get('genes', 'bits per operator')})", overflow="fold", min_width=20)
    for col in (metric, "size_bytes", "vs int8", "ticks/inference", "energy_uj"):
        t.add_column(col, justify="right", no_wrap=True)
    for r in front:
        vs = f"{r['size_bytes'] / base8['size_bytes'] - 1:+.1%}" if base8 else "-"
        t.add_row(r["genome"], f"{r['accuracy']:.4f}", f"{r['size_bytes']:,}", vs,
                  f"{r['cycles']:,.0f}" if r["cycles"] is not None else "-",
                  f"{r['energy_uj']:.3f}" if r["energy_uj"] is not None else "-")  # fmt: skip
    for name, b in summary.get("baselines", {}).items():
        t.add_row(f"[dim]{name} baseline[/]", f"{b['accuracy']:.4f}", f"{b['size_bytes']:,}",
                  "-" if b["feasible"] else "over budget",
                  f"{b['cycles']:,.0f}" if b["cycles"] is not None else "-",
                  f"{b['energy_uj']:.3f}" if b["energy_uj"] is not None else "-")  # fmt: skip
    return t


def _checked_options(args):
    """Every option checked before any work (a bad --out or a damaged store too): (budget, objectives, boards)."""
    from hil.boards import board_counts, get_board
    from hil.outputs import writable_dir
    from hil.search.budget import parse_budget
    from hil.search.nsga import Settings, parse_objectives
    from hil.search.store import Store
    from hil.tasks import get_task

    budget = parse_budget(args.budget)
    objectives = parse_objectives(args.objectives)
    boards = [get_board(b) for b in (args.board or [])]
    for board, count in board_counts(args.boards) if args.boards else []:
        boards += [board] * count
    boards = boards or [get_board(DEFAULT_BOARD)]
    get_task(args.task)
    Settings(args.population, args.generations, args.seed, 0, objectives, budget).check()
    writable_dir(args.out)
    with Store(args.out / "search.db"):
        pass
    return budget, objectives, boards


def cmd_search(args) -> None:
    from hil.errors import BudgetError
    from hil.search.nsga import Settings
    from hil.search.exits_problem import ExitProblem
    from hil.search.problem import MpGruProblem
    from hil.search.run import run_search
    from hil.tasks import get_task

    budget, objectives, boards = _checked_options(args)
    console = Console(stderr=True)
    console.print(
        f"search: task {args.task}, budget {format_bytes(budget)}, boards {', '.join(b.name for b in boards)}"
    )
    # the task's model picks the genes: per-operator bit widths, or an early-exit model's policy threshold
    kind = getattr(get_task(args.task), "problem", "mpgru")
    problem = {"mpgru": MpGruProblem, "exits": ExitProblem}[kind](args.task, seed=args.seed, val_limit=args.val_limit)
    settings = Settings(population=args.population, generations=args.generations, seed=args.seed,
                        genome_length=problem.genome_length, objectives=objectives, budget_bytes=budget,
                        gene_ranges=getattr(problem, "gene_ranges", ()))  # fmt: skip
    identity = {"task": args.task, "model": problem.task.zoo_name, "val_limit": args.val_limit}
    with _farm(args) as farm:
        summary = run_search(problem, boards, settings, args.out, identity, problem.task.metric_name,
                             problem.operators, console=console, progress=not args.json, farm=farm)  # fmt: skip
    if args.json:
        print(json.dumps(summary, indent=2))
    if summary["nothing_fits"]:
        seen = summary["smallest_seen"]
        raise BudgetError(f"nothing fits the budget of {format_bytes(budget)}: the smallest of "
                          f"{summary['evaluations']} genomes evaluated needs {format_bytes(seen['size_bytes'])}; "
                          f"results and store kept in {args.out}")  # fmt: skip
    if not args.json:
        front = json.loads((args.out / "pareto.json").read_text())["front"]
        _print_table(summary, front, problem.task.metric_name, budget, args.out)


@contextlib.contextmanager
def _farm(args):
    """The farm's client when --farm (or LG_COORDINATOR) names one, else None (local boards)."""
    from hil.farm.places import coordinator_address

    address = coordinator_address(args.farm)
    if address is None:
        yield None
        return
    from hil.farm.client import farm_client

    with farm_client(address) as client:
        yield client


def _print_table(summary: dict, front: list[dict], metric: str, budget: int, out_dir) -> None:
    out = Console()
    out.print(pareto_table(summary, front, metric, budget))
    run = summary["run"]
    best = summary.get("smallest_within_tolerance")
    if best is not None:
        out.print(f"smallest within 1% of int8's {metric}: {best['genome']} "
                  f"({best['size_bytes']:,} B, {summary['size_reduction_vs_int8']:.1%} smaller than int8)")  # fmt: skip
    elif "note" in summary:
        out.print(summary["note"])
    if run.get("cycles_measured"):
        out.print(f"cycles and energy: {run['cycles_measured']}")
    out.print(f"{run['evaluated_now']} evaluations ({run['answered_from_store']} answered from the store) in "
              f"{run['wall_s']:.1f} s on {len(run['boards'])} board(s): {run['evaluations_per_minute_per_board']} "
              f"per minute per board, parallel speed-up {run['parallel_speedup']}x; results in {out_dir}")  # fmt: skip


def add_search_parser(subparsers) -> None:
    from pathlib import Path

    from hil.shell import farm_option

    p = subparsers.add_parser("search", help="NSGA-II search of per-operator GRU bit widths under a flash budget")
    # argparse reads a value that starts with '-' and is not a bare number ("--budget -5kB") as an option and
    # stops with its own usage error; no option here looks like '-<digit>', so such a value goes to its option
    # and parse_budget answers it in one line
    p._negative_number_matcher = re.compile(r"^-\.?\d.*$")
    p.add_argument("--budget", required=True, help=BUDGET_HELP)
    p.add_argument("--task", default="se", help="se, vowels, motions or digits (default se); se-exits: the "
                   "early-exit nsnet2-exits, genes its confidence threshold (its model needs the flash slot: "
                   "hil flash it first, and a budget of 384KiB)")  # fmt: skip
    p.add_argument("--board", action="append", metavar="B",
                   help=f"board to measure on (default {DEFAULT_BOARD}); repeat to measure on several in parallel")  # fmt: skip
    p.add_argument("--boards", metavar="ID:N", help="N boards of type ID (qemu-f446:4; a comma list for several "
                                                    "types): local emulators, or places of --farm")  # fmt: skip
    farm_option(p)
    p.add_argument("--population", type=int, default=16, help="population size, a multiple of 4 (default 16)")
    p.add_argument("--generations", type=int, default=6, help="generations after the initial one (default 6)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the GA and the data (default 0)")
    p.add_argument("--objectives", default="accuracy,size,cycles,energy",
                   help="comma list from accuracy,size,cycles,energy (default all four)")  # fmt: skip
    p.add_argument("--val-limit", type=int, default=None, metavar="N",
                   help="score accuracy on the first N validation sequences only (default all)")  # fmt: skip
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="results folder: search.db (resumable), pareto.json/.csv/.png, summary.json")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print summary.json instead of the table")
    p.set_defaults(func=cmd_search)
