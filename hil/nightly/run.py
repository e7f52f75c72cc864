"""`hil nightly`: the matrix on the farm, one `hil` command per cell, every figure into the history, the
run compared with the history, the report written.

Per board: one place is leased for the cells that use one board (profile, bench); its board's firmware
version and serial go with every figure; a place that stops answering is marked dead and the next
cell gets another. A search cell leases its own places (`--farm --boards ID:N`). Each cell is its own
process with a timeout: one that fails is recorded with its one-line error and the others go on. A cell
is recorded whole (figures and outcome in one transaction) when it ends; rerunning the same command
(same --out) resumes the run: finished cells are kept, the others run (a search cell resumes from its
store: nothing evaluated twice).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Optional

from hil.boards import get_board
from hil.errors import ConfigError, HilError
from hil.farm.client import FarmClient, farm_client
from hil.farm.lease import lease, mark_dead
from hil.farm.places import board_filters
from hil.link.session import Session
from hil.nightly.compare import compare
from hil.nightly.history import History
from hil.nightly.jobs import JOB_KINDS, Cell, available, check_kinds
from hil.nightly.matrix import Matrix, load_matrix
from hil.nightly.report import write_report
from hil.outputs import writable_dir
from hil.paths import repo_root
from hil.targets import target_for

OWN_PLACES = {"search"}  # kinds that lease their own places on the farm


def git_commit() -> str:
    def git(*args):
        return subprocess.run(["git", "-C", str(repo_root()), *args], capture_output=True, text=True)

    head = git("rev-parse", "--short=12", "HEAD")
    if head.returncode != 0:
        return "unknown"
    return head.stdout.strip() + ("-dirty" if git("diff", "--quiet", "HEAD").returncode else "")


def _cells(matrix: Matrix, out: Path) -> list[Cell]:
    cells = []
    for i, job in enumerate(matrix.jobs):
        models = matrix.models if JOB_KINDS[job.kind].per_model else [None]
        for board in matrix.boards:
            for model in models:
                cell = Cell(i, job, board, model, out)
                cells.append(Cell(i, job, board, model, out / "cells" / cell.name))
    return cells


def _run_id(out: Path, commit: str) -> str:
    state = out / "run.json"
    if state.exists():
        data = json.loads(state.read_text())
        if data.get("finished"):
            raise ConfigError(f"{out} holds the finished nightly run {data['run_id']}: wanted a new --out")
        return data["run_id"]
    run_id = time.strftime("%Y%m%dT%H%M%S") + f"-{commit[:8]}"
    state.write_text(json.dumps({"run_id": run_id, "finished": False}))
    return run_id


class Nightly:
    def __init__(self, matrix_path: Path, out: Path, history: Path, farm: Optional[str],
                 log: Callable[[str], None] = lambda line: None):  # fmt: skip
        self.matrix, self.farm, self.log = load_matrix(matrix_path), farm, log
        check_kinds(self.matrix.jobs, matrix_path)
        self.out = writable_dir(out)
        self.commit = git_commit()
        self.history = History(history)
        self.run_id = _run_id(self.out, self.commit)
        self.history.begin(self.run_id, self.commit, Path(matrix_path).read_text())
        self.failed: list[str] = []

    def run(self) -> dict:
        cells = [c for c in _cells(self.matrix, self.out) if not self.history.cell_done(self.run_id, c.name)]
        with contextlib.ExitStack() as stack:
            client = stack.enter_context(farm_client(self.farm)) if self.farm else None
            for board in self.matrix.boards:
                mine = [c for c in cells if c.board == board]
                if mine:
                    self._board(client, board, mine)
        status = "failed" if self.failed else "complete"
        self.history.finish(self.run_id, status)
        comparison = compare(self.history, self.run_id, self.matrix.thresholds)
        report = write_report(self.out, self.history, self.run_id, comparison)
        (self.out / "run.json").write_text(json.dumps({"run_id": self.run_id, "finished": not self.failed}))
        return report

    def _board(self, client: Optional[FarmClient], board: str, cells: list[Cell]) -> None:
        held, where = self._place(client, board)
        try:
            for cell in [c for c in cells if c.job.kind not in OWN_PLACES]:
                if held is None and client is not None:
                    held, where = self._place(client, board)
                if not self._cell(cell, where, url=held.url if held else None) and held is not None:
                    held = self._check_place(held)
        finally:
            if held is not None:
                held.release()
        for cell in [c for c in cells if c.job.kind in OWN_PLACES]:
            self._cell(cell, where, farm=self.farm)

    def _place(self, client: Optional[FarmClient], board: str):
        """A leased place (None without a farm) and where its figures come from: place, serial, firmware."""
        if client is None:
            with target_for(get_board(board)).session() as s:
                return None, {"board": board, "place": "local", "serial": "local", "firmware": s.board_info.firmware_version}
        held = lease(client, board_filters(board), on_wait=lambda s: None)
        try:
            with Session.connect(held.url) as s:
                firmware = s.info().firmware_version
        except HilError as exc:
            held.mark_dead(str(exc))
            held.release()
            raise
        return held, {"board": board, "place": held.place.name, "serial": held.place.tags.get("serial", "-"),
                      "firmware": firmware}  # fmt: skip

    def _check_place(self, held):
        """After a failed cell: a place whose board still answers is kept; else marked dead and released."""
        try:
            Session.connect(held.url).close()
            return held
        except HilError as exc:
            mark_dead(held.client, held.place.name, str(exc))
            held.release()
            return None

    def _cell(self, cell: Cell, where: dict, url: Optional[str] = None, farm: Optional[str] = None) -> bool:
        kind = JOB_KINDS[cell.job.kind]
        if not available(cell.job.kind):
            self.history.record(self.run_id, cell.name, "skipped", f"this hil has no {kind.module}", 0.0)
            self.log(f"{cell.name}: skipped (this hil has no {kind.module})")
            return True
        cell.out.mkdir(parents=True, exist_ok=True)
        argv = kind.argv(cell, self.matrix.audio) + (["--url", url] if url else []) + (["--farm", farm] if farm else [])
        t0 = time.monotonic()
        ok, detail, data = _run_hil(argv, cell, kind.output, cell.job.timeout_s)
        seconds = time.monotonic() - t0
        if not ok:
            self.failed.append(f"{cell.name}: {detail}")
            self.history.record(self.run_id, cell.name, "failed", detail, seconds)
            self.log(f"{cell.name}: FAILED: {detail}")
            return False
        figures = kind.figures(data)
        provenance = {**where, "job": cell.job.kind, "model": cell.model, "git_commit": self.commit}
        if farm:
            provenance["place"] = ",".join(data["run"]["boards"])
        self.history.record(self.run_id, cell.name, "ok", "", seconds, figures, provenance)
        self.log(f"{cell.name}: {len(figures)} figures in {seconds:.1f} s")
        return True


def _run_hil(argv: list[str], cell: Cell, output: str, timeout_s: float) -> tuple[bool, str, Optional[dict]]:
    """`hil ARGV` as a child: (ok, one-line error, its JSON)."""
    try:
        proc = subprocess.run([sys.executable, "-m", "hil.cli", *argv], capture_output=True, text=True,
                              timeout=timeout_s, stdin=subprocess.DEVNULL)  # fmt: skip
    except subprocess.TimeoutExpired:
        return False, f"no answer within {timeout_s:g} s", None
    (cell.out / "stderr.txt").write_text(proc.stderr)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"]
        return False, lines[-1], None
    try:
        text = proc.stdout if output == "stdout" else (cell.out / output).read_text()
        return True, "", json.loads(text)
    except (OSError, ValueError) as exc:
        return False, f"its output is not the JSON wanted: {exc}", None
