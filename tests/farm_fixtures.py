"""A real labgrid coordinator and hil exporters of emulated boards, all on 127.0.0.1, for the farm tests.

Each context manager stops what it started (the exporter's QEMUs and labgrid-exporter die with it)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from hil.boards import board_counts
from hil.farm.client import farm_client
from hil.farm.local import Coordinator
from hil.targets.process import free_tcp_port

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def coordinator(folder: Path):
    with Coordinator(free_tcp_port(), state_dir=folder / "coordinator") as c:
        yield c.address


def healthy(address: str, prefix: str) -> list:
    with farm_client(address) as client:
        return [v for v in client.places() if v.name.startswith(prefix) and v.tags.get("health") == "ok" and v.url]


@contextlib.contextmanager
def exporter(address: str, name: str, emulated: str = "qemu-f446:1", elf=None, log: Path | None = None):
    """`hil farm exporter` as a process of its own (so a test can kill it), up once its places answer."""
    cmd = [sys.executable, "-m", "hil.cli", "farm", "exporter", "--coordinator", address, "--name", name,
           "--emulated", emulated] + (["--elf", str(elf)] if elf else [])  # fmt: skip
    want = sum(n for _, n in board_counts(emulated))
    err = open(log, "ab") if log else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.DEVNULL, stderr=err,
                            start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while len(healthy(address, f"qemu-f446-{name}-")) < want:
            assert proc.poll() is None, f"hil farm exporter {name} exited with code {proc.returncode}"
            assert time.monotonic() < deadline, f"hil farm exporter {name}: places not up within 60 s"
            time.sleep(0.2)
        yield proc
    finally:
        stop_group(proc)
        if log:
            err.close()


def stop_group(proc: subprocess.Popen, signum: int = signal.SIGTERM) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signum)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait_for(check, timeout_s: float = 20.0, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while not (result := check()):
        assert time.monotonic() < deadline, f"{what}: not within {timeout_s:g} s"
        time.sleep(0.1)
    return result
