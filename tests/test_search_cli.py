"""`hil search` end to end: a small mixed-precision search on a real task, on two emulated boards."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from hil.cli import main
from tests.test_cli import alive, qemu_pids
from tests.test_search import ROOT, _rows


def test_small_search_on_digits_with_two_emulated_boards(tmp_path, stm32_elf, capsys):
    # the pool's machinery on one board type (23 s); qemu-rv32 runs a search in test_search.py
    out = tmp_path / "search"
    rc = main(["search", "--budget", "64kB", "--task", "digits", "--board", "qemu-f446", "--board", "qemu-f446",
               "--population", "8", "--generations", "3", "--seed", "0", "--out", str(out), "--json"])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    summary = json.loads(capsys.readouterr().out)
    for name in ("search.db", "pareto.json", "pareto.csv", "pareto.png", "summary.json"):
        assert (out / name).stat().st_size > 0, name
    base = summary["baselines"]
    assert set(base) == {"int8", "int6", "int4"}
    assert base["int4"]["size_bytes"] < base["int6"]["size_bytes"] < base["int8"]["size_bytes"]
    front = json.loads((out / "pareto.json").read_text())["front"]
    # the front dominates or equals the homogeneous baselines on at least one point
    assert any(f["accuracy"] >= b["accuracy"] and f["size_bytes"] <= b["size_bytes"] for f in front for b in base.values())
    # a genome smaller than int8 within 1 % of its accuracy
    assert 0 < summary["size_reduction_vs_int8"] < 1
    best = summary["smallest_within_tolerance"]
    assert best["accuracy"] >= 0.99 * base["int8"]["accuracy"]
    run = summary["run"]
    assert run["boards"] == ["qemu-f446#0", "qemu-f446#1"] and run["parallel_speedup"] > 1.0
    db = sqlite3.connect(out / "search.db")
    rows = db.execute("SELECT genome, board, counter, energy_source, started, finished FROM evaluations").fetchall()
    assert len(rows) == len({r[0] for r in rows}) == run["evaluated_now"]
    measured = [r for r in rows if r[1] is not None]
    assert {r[1] for r in measured} == {"qemu-f446#0", "qemu-f446#1"}
    assert {(r[2], r[3]) for r in measured} == {("tim2-icount", "model")}
    assert all(r[4] <= r[5] for r in rows)


@pytest.mark.parametrize("argv,wanted", [
    (["--budget", "64 parsecs", "--task", "digits"], "--budget: wanted"),
    (["--budget", "64kB", "--task", "chess"], "task 'chess': wanted one of"),
    (["--budget", "64kB", "--task", "digits", "--population", "6"], "--population: wanted a multiple of 4"),
    (["--budget", "64kB", "--task", "digits", "--objectives", "size"], "--objectives: wanted"),
    (["--budget", "64kB", "--task", "digits", "--board", "nucleo-f999"], "nucleo-f999"),
])  # fmt: skip
def test_bad_search_options_are_one_line(argv, wanted, tmp_path, capsys):
    assert main(["search", *argv, "--out", str(tmp_path / "s")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hil: error:") and wanted in err[0], err


def test_killed_search_takes_its_emulator_along(tmp_path, stm32_elf):
    """kill -9 of a `hil search` process (only it, not its group): the kernel stops its QEMU."""
    out = tmp_path / "s"
    cmd = [sys.executable, "-m", "hil.cli", "search", "--budget", "64kB", "--task", "motions", "--population", "8",
           "--generations", "3", "--seed", "1", "--out", str(out), "--json"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)  # fmt: skip
    emulators: set[int] = set()
    try:
        deadline = time.monotonic() + 180
        while (_rows(out / "search.db") < 10 or not emulators) and proc.poll() is None and time.monotonic() < deadline:
            emulators = qemu_pids(parent=proc.pid)
            time.sleep(0.05)
        assert proc.poll() is None and emulators, "the search ended (or never started a board) before the kill"
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 10
        while alive(emulators) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(emulators), f"QEMU {sorted(alive(emulators))} outlived its killed hil search"
    finally:
        proc.kill()
        for pid in alive(emulators):
            os.kill(pid, 9)
