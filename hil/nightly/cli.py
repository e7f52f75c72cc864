"""`hil nightly MATRIX.yaml [--farm ADDRESS] [--out DIR] [--history FILE] [--json]`."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from hil import report
from hil.shell import farm_option

REGRESSION_COLUMNS = ["job", "model", "board", "serial", "metric", "before", "value", "change", "rule"]


def _log(line: str) -> None:
    print(f"nightly: {line}", file=sys.stderr, flush=True)


def cmd_nightly(args) -> None:
    from hil.errors import HilError
    from hil.farm.places import coordinator_address
    from hil.nightly.run import Nightly
    from hil.paths import repo_root

    out = args.out or repo_root() / "results" / "nightly" / "runs" / time.strftime("%Y-%m-%d")
    history = args.history or repo_root() / "results" / "nightly" / "history.db"
    nightly = Nightly(args.matrix, out, history, coordinator_address(args.farm), log=_log)
    _log(f"run {nightly.run_id} (commit {nightly.commit}) into {nightly.out}")
    result = nightly.run()
    regressions = result["regressions"]
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        report.print_table(report.rows_table(f"nightly {nightly.run_id}: regressions", regressions, REGRESSION_COLUMNS))
        report.print_table(report.rows_table("cells", result["cells"], ["cell", "status", "seconds", "detail"]))
    where = f"report in {nightly.out / 'report.html'}"
    if regressions or nightly.failed:
        first = regressions[0] if regressions else None
        said = (f"{len(regressions)} regression(s) (first: {first['job']} {first['board']} {first['metric']}: "
                f"{first['before']:,.6g} -> {first['value']:,.6g})") if first else "no regression"  # fmt: skip
        failed = f"; {len(nightly.failed)} cell(s) failed (first: {nightly.failed[0]})" if nightly.failed else ""
        raise HilError(f"nightly {nightly.run_id}: {said}{failed}; {where}")
    _log(f"no regression; {where}")


def add_nightly_parser(sub) -> None:
    p = sub.add_parser("nightly", help="run a matrix of jobs on the farm, keep the history, flag regressions")
    p.add_argument("matrix", type=Path, help="the matrix YAML (farm/nightly.yaml)")
    farm_option(p)
    p.add_argument("--out", type=Path, help="this run's folder (default results/nightly/runs/<date>; the same "
                                            "folder again resumes an unfinished run)")  # fmt: skip
    p.add_argument("--history", type=Path, help="the SQLite history (default results/nightly/history.db)")
    p.add_argument("--json", action="store_true", help="print report.json instead of the tables")
    p.set_defaults(func=cmd_nightly)
