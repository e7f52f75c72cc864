"""Search throughput on 1, 2 and 4 emulated boards: places of a local farm (coordinator and exporter on
127.0.0.1) against emulators the search starts itself. Evaluations per minute and the scaling factor over
one board; the same seeded search each time (fresh store), so every run does the same evaluations.

    python benchmarks/farm_throughput.py [--task digits] [--population 8] [--generations 2] [--val-limit 60]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from hil.boards import get_board
from hil.farm.client import farm_client
from hil.farm.exporter import Exporter
from hil.farm.local import Coordinator
from hil.search.nsga import Settings
from hil.search.problem import MpGruProblem
from hil.search.run import run_search
from hil.targets.process import free_tcp_port


def one(problem, settings, n: int, out: Path, farm=None) -> float:
    s = run_search(problem, [get_board("qemu-f446")] * n, settings, out, {"task": problem.task.name}, "accuracy",
                   progress=False, farm=farm)  # fmt: skip
    return s["run"]["evaluations_per_minute"], s["run"]["evaluated_now"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", default="digits")
    ap.add_argument("--population", type=int, default=8)
    ap.add_argument("--generations", type=int, default=2)
    ap.add_argument("--val-limit", type=int, default=60)
    a = ap.parse_args()
    problem = MpGruProblem(a.task, seed=0, val_limit=a.val_limit)
    settings = Settings(a.population, a.generations, 0, problem.genome_length, ("accuracy", "size", "cycles"), 64000)
    rows, tmp = [], Path(tempfile.mkdtemp(prefix="farm-throughput-"))
    with Coordinator(free_tcp_port(), state_dir=tmp / "coordinator") as c, Exporter(c.address, "bench") as exporter:
        exporter.add_emulated([(get_board("qemu-f446"), 4)])
        exporter.start()
        with farm_client(c.address) as farm:
            for n in (1, 2, 4):
                local, evals = one(problem, settings, n, tmp / f"local-{n}")
                on_farm, _ = one(problem, settings, n, tmp / f"farm-{n}", farm)
                rows.append({"boards": n, "evaluations": evals, "local_per_min": local, "farm_per_min": on_farm})
    for r in rows:
        r["local_scaling"] = round(r["local_per_min"] / rows[0]["local_per_min"], 2)
        r["farm_scaling"] = round(r["farm_per_min"] / rows[0]["farm_per_min"], 2)
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
