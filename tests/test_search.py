"""The search engine: budgets, genomes, constraint domination, the store, resume, parallel boards."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hil.boards import get_board
from hil.errors import ConfigError
from hil.search import pool
from hil.search.budget import parse_budget
from hil.search.genome import genome_key, parse_genome_key
from hil.search.nsga import Settings, objective_values, parse_objectives
from hil.search.results import pareto_front
from hil.search.run import run_search
from hil.search.store import Evaluation, Store
from hil.targets.process import spawn, stop
from tests.conftest import EMULATED_BOARDS, EMULATED_COUNTERS
from tests.search_toy import ToyProblem
from tests.test_cli import qemu_pids

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("text,want", [("64kB", 64000), ("64KiB", 65536), ("65536", 65536), ("64 kb", 64000),
                                       ("0.5MiB", 524288), ("1MB", 1000000), ("64KB", 64000)])  # fmt: skip
def test_budget_parses_both_conventions(text, want):
    assert parse_budget(text) == want


@pytest.mark.parametrize("text", ["64 parsecs", "", "-5", "0.5", "kB", "1.5B"])
def test_budget_rejects_with_one_line(text):
    with pytest.raises(ConfigError, match="--budget: wanted") as e:
        parse_budget(text)
    assert "\n" not in str(e.value)


def test_genome_key_round_trip_and_checks():
    g = (8, 2, 5, 3)
    assert parse_genome_key(genome_key(g)) == g
    with pytest.raises(ConfigError, match="wanted bit widths in 2..8, got 9"):
        parse_genome_key("8-9-2")


def test_objectives_parse():
    assert parse_objectives("accuracy,size,cycles,energy") == ("accuracy", "size", "cycles", "energy")
    for bad in ("size,cycles", "accuracy,speed", "accuracy,accuracy"):
        with pytest.raises(ConfigError, match="--objectives"):
            parse_objectives(bad)


def test_infeasible_candidates_are_constraint_dominated():
    objs = ("accuracy", "size")
    good = objective_values(Evaluation("a", 0.1, 900, True), objs, 1000)
    over_little = objective_values(Evaluation("b", 0.99, 1100, False), objs, 1000)
    over_much = objective_values(Evaluation("c", 0.99, 5000, False), objs, 1000)
    # any feasible candidate beats every infeasible one on every objective; less violation beats more
    assert good[0] > over_little[0] > over_much[0]
    assert good[1] < over_little[1] < over_much[1]


def test_pareto_front_keeps_only_non_dominated():
    ev = [Evaluation("a", 0.9, 100, True), Evaluation("b", 0.8, 200, True), Evaluation("c", 0.95, 300, True),
          Evaluation("d", 0.99, 50, False)]  # fmt: skip
    assert [e.genome for e in pareto_front(ev, ("accuracy", "size"))] == ["a", "c"]


def test_store_refuses_other_settings(tmp_path):
    with Store(tmp_path / "s.db") as s:
        assert s.check_settings({"task": "toy", "seed": 1}) is False
        assert s.check_settings({"task": "toy", "seed": 1}) is True
        with pytest.raises(ConfigError, match="seed = 1.*got seed = 2"):
            s.check_settings({"task": "toy", "seed": 2})


def _settings(generations=3, population=8):
    return Settings(population=population, generations=generations, seed=1, genome_length=6,
                    objectives=("accuracy", "size", "cycles"), budget_bytes=9000)  # fmt: skip


@pytest.mark.parametrize("board", EMULATED_BOARDS)
def test_small_search_on_the_emulated_board(tmp_path, board):
    s = run_search(ToyProblem(), [get_board(board)], _settings(), tmp_path, {"task": "toy"}, "accuracy",
                   progress=False)  # fmt: skip
    for name in ("search.db", "pareto.json", "pareto.csv", "pareto.png", "summary.json"):
        assert (tmp_path / name).stat().st_size > 0, name
    db = sqlite3.connect(tmp_path / "search.db")
    keys = [k for (k,) in db.execute("SELECT genome FROM evaluations")]
    assert len(keys) == len(set(keys)) == s["run"]["evaluated_now"]
    boards = {b for (b,) in db.execute("SELECT board FROM evaluations WHERE feasible = 1")}
    assert boards == {f"{board}#0"}
    assert {c for (c,) in db.execute("SELECT counter FROM evaluations WHERE feasible = 1")} == {EMULATED_COUNTERS[board]}
    # the 8-bit baseline (12,750 B) is over the 9,000 B budget: stored, infeasible, never measured
    int8 = db.execute("SELECT feasible, cycles FROM evaluations WHERE genome = '8-8-8-8-8-8'").fetchone()
    assert int8 == (0, None)
    front = json.loads((tmp_path / "pareto.json").read_text())["front"]
    assert front and all(r["size_bytes"] <= 9000 for r in front)
    # the front dominates or equals a homogeneous baseline that fits (6 bits: 9,562 B does not; 4 bits does)
    int4 = s["baselines"]["int4"]
    assert any(r["accuracy"] >= int4["accuracy"] and r["size_bytes"] <= int4["size_bytes"] for r in front)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert 0 < summary["size_reduction_vs_int8"] < 1
    assert summary["smallest_within_tolerance"]["accuracy"] >= summary["accuracy_floor"]


def test_resume_evaluates_only_what_is_missing(tmp_path, stm32_elf):
    # the search's bookkeeping, on one emulated board (both run the search above): its counter (instructions
    # under icount) is the same on every run, so a fresh run must replay exactly the same generations (the host
    # build's counter is wall-clock ns)
    board = [get_board("qemu-f446")]
    first = run_search(ToyProblem(), board, _settings(2), tmp_path, {"task": "toy"}, "accuracy", progress=False)
    n = first["run"]["evaluated_now"]
    again = run_search(ToyProblem(), board, _settings(2), tmp_path, {"task": "toy"}, "accuracy", progress=False)
    assert again["run"]["resumed"] and again["run"]["evaluated_now"] == 0
    more = run_search(ToyProblem(), board, _settings(4), tmp_path, {"task": "toy"}, "accuracy", progress=False)
    fresh = run_search(ToyProblem(), board, _settings(4), tmp_path / "fresh", {"task": "toy"}, "accuracy",
                       progress=False)  # fmt: skip
    assert more["run"]["stored_before"] == n
    assert n + more["run"]["evaluated_now"] == fresh["run"]["evaluated_now"]
    assert _front(tmp_path) == _front(tmp_path / "fresh")


def _front(folder):
    """The front's figures without the timestamps and board names that differ between runs."""
    rows = json.loads((folder / "pareto.json").read_text())["front"]
    return [(r["genome"], r["accuracy"], r["size_bytes"], r["cycles"], r["energy_uj"]) for r in rows]


def _rows(db_path):
    if not db_path.exists():
        return 0
    db = sqlite3.connect(db_path)
    try:
        return db.execute("SELECT COUNT(*) FROM evaluations").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def test_kill_and_rerun_resumes_without_loss_or_repeat(tmp_path, stm32_elf):
    out = tmp_path / "run"
    cmd = [sys.executable, str(ROOT / "tests/search_toy.py"), str(out), "qemu-f446", "--generations", "4",
           "--delay", "0.05"]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while _rows(out / "search.db") < 12 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the search ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = _rows(out / "search.db")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    run = eval(done.stdout.strip().splitlines()[-1])  # the run dict printed by the script
    assert run["resumed"] and run["stored_before"] == killed_at
    fresh = run_search(ToyProblem(), [get_board("qemu-f446")], _settings(4), tmp_path / "fresh", {"task": "toy"},
                       "accuracy", progress=False)  # fmt: skip
    # nothing lost, nothing repeated: the two runs together did exactly the uninterrupted run's work
    assert killed_at + run["evaluated_now"] == fresh["run"]["evaluated_now"] == _rows(out / "search.db")
    assert _front(out) == _front(tmp_path / "fresh")


def test_two_emulators_share_the_work_and_survive_a_dead_one(tmp_path, stm32_elf):
    boards = [get_board("qemu-f446"), get_board("qemu-f446")]
    killed = []
    original = pool.BoardSlot.run

    def run_and_kill_once(self, job):
        if self.index == 1 and not killed and self._session is not None:
            killed.append(self.name)  # the emulator dies in the middle of the search
            for child in sorted(qemu_pids(parent=os.getpid())):
                if child not in killed:
                    os.kill(child, signal.SIGKILL)
                    killed.append(child)
                    break
        return original(self, job)

    pool.BoardSlot.run = run_and_kill_once
    try:
        s = run_search(ToyProblem(0.05), boards, _settings(3), tmp_path, {"task": "toy"}, "accuracy", progress=False)
    finally:
        pool.BoardSlot.run = original
    db = sqlite3.connect(tmp_path / "search.db")
    used = {b for (b,) in db.execute("SELECT board FROM evaluations WHERE feasible = 1")}
    assert used == {"qemu-f446#0", "qemu-f446#1"}
    assert sum(s["run"]["board_restarts"].values()) >= 1
    assert s["run"]["parallel_speedup"] > 1.0


def test_a_child_outlives_the_thread_that_spawned_it():
    started = []
    t = threading.Thread(target=lambda: started.append(spawn(["sleep", "30"])))
    t.start()
    t.join()
    try:
        time.sleep(0.5)  # the kernel's parent-death signal, if tied to that thread, has arrived by now
        assert started[0].poll() is None, f"child died with its spawning thread (code {started[0].returncode})"
    finally:
        stop(started[0])


def test_fault_free_search_keeps_one_emulator_per_board(tmp_path, stm32_elf, monkeypatch):
    seen: list[set[int]] = []
    original = pool.BoardSlot.run

    def run_and_look(self, job):
        result = original(self, job)
        seen.append(qemu_pids(parent=os.getpid()))
        return result

    monkeypatch.setattr(pool.BoardSlot, "run", run_and_look)
    boards = [get_board("qemu-f446"), get_board("qemu-f446")]
    s = run_search(ToyProblem(), boards, _settings(3), tmp_path, {"task": "toy"}, "accuracy", progress=False)
    assert s["run"]["board_restarts"] == {"qemu-f446#0": 0, "qemu-f446#1": 0}
    assert len(s["run"]["generations"]) == 4 and len(seen) > 8
    assert len(set().union(*seen)) == 2, f"emulators started during the run: {sorted(set().union(*seen))}"
    assert qemu_pids(parent=os.getpid()) == set()  # and all stopped at its end
