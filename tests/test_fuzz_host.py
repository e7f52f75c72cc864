"""Every host reader of untrusted input under a brief coverage-guided fuzz run (atheris).

Each target (tests/fuzz/fuzz_<name>.py) lets only hil's typed errors through; any other exception
is a finding and fails the run. Longer runs: `make fuzz-long` (FUZZ_SECONDS per target)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz import SEEDS_DIR, target_names
from tests.fuzz.run import parse_stats

SECONDS = 3
ROOT = Path(__file__).resolve().parent.parent


def _run(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "tests.fuzz.run", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)  # fmt: skip


@pytest.mark.parametrize("name", target_names())
def test_target_has_seeds_that_replay_cleanly(name):
    seeds = sorted((SEEDS_DIR / name).glob("*"))
    assert seeds, f"tests/fuzz/seeds/{name}/ is empty: every target starts from committed seeds"
    proc = _run(name, "--replay", *seeds)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.parametrize("name", target_names())
def test_brief_fuzz_run_finds_nothing(name, tmp_path):
    proc = _run(name, "--seconds", SECONDS, "--corpus", tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = parse_stats(proc.stderr)
    assert stats.get("executions", 0) > 0 and stats.get("coverage", 0) > 0, proc.stderr[-2000:]
    print(f"fuzz-host {name}: {stats}")


def test_a_finding_fails_the_run(tmp_path):
    """The oracle can fail: a target whose reader lets a KeyError out (as the .hilm reader once did) is a crash."""
    (tmp_path / "fuzz_broken_reader.py").write_text(
        "def one_input(data):\n    if len(data) > 3:\n        raise KeyError(238)\n")
    proc = subprocess.run([sys.executable, "-m", "tests.fuzz.run", "frames", "--module", "fuzz_broken_reader",
                           "--seconds", "20", "--corpus", tmp_path / "corpus"], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env={**os.environ, "PYTHONPATH": f"{tmp_path}:{ROOT}"})  # fmt: skip
    assert proc.returncode != 0
    assert "KeyError: 238" in proc.stdout + proc.stderr
