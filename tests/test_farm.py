"""The board farm with a real labgrid coordinator and hil exporters of emulated boards, all on 127.0.0.1:
leases and labgrid's queue, the guard of a killed command, the board commands and the search on farm
places, an exporter and an emulator killed in the middle, hw tests through labgrid's pytest plugin."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from hil.boards import get_board
from hil.cli import main
from hil.farm.client import farm_client
from hil.farm.lease import lease
from hil.farm.places import board_filters
from hil.search.nsga import Settings
from hil.search.run import run_search
from tests.farm_fixtures import ROOT, coordinator, exporter, healthy, stop_group, wait_for
from tests.search_toy import ToyProblem
from tests.test_cli import qemu_pids
from tests.test_search import _front, _rows

QEMU = board_filters("qemu-f446")


@pytest.fixture(scope="module")
def farm(tmp_path_factory, stm32_elf):
    """A coordinator and one exporter with two emulated places; stopped at the module's end."""
    folder = tmp_path_factory.mktemp("farm")
    with coordinator(folder) as address, exporter(address, "a", "qemu-f446:2", log=folder / "a.log"):
        yield address


def _acquired(address):
    with farm_client(address) as client:
        return {v.name: v.acquired for v in client.places()}


def test_leases_wait_for_a_busy_place_and_are_released(farm):
    with farm_client(farm) as client:
        first, second = lease(client, QEMU), lease(client, QEMU)
        assert {first.place.name, second.place.name} == {"qemu-f446-a-0", "qemu-f446-a-1"}
        waited, got = [], []
        t = threading.Thread(target=lambda: got.append(lease(client, QEMU, on_wait=waited.append)))
        t.start()
        time.sleep(1.0)
        assert not got and waited, "a third lease should wait in labgrid's queue while both places are taken"
        first.release()
        t.join(15)
        assert got and got[0].place.name == first.place.name
        for held in (second, got[0]):
            held.release()
    assert set(_acquired(farm).values()) == {None}


def test_a_killed_command_releases_its_place(farm):
    code = ("import sys, time; from hil.boards import get_board; from hil.farm.lease import farm_session\n"
            f"with farm_session('{farm}', get_board('qemu-f446')):\n print('held', flush=True); time.sleep(120)")  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))  # fmt: skip
    try:
        assert proc.stdout.readline().strip() == "held"
        assert any(_acquired(farm).values())
        proc.kill()  # kill -9: no finally, no atexit; the guard releases what it held
        wait_for(lambda: not any(_acquired(farm).values()), 20, "the killed command's place released")
    finally:
        proc.kill()
        proc.wait()


def test_board_commands_status_and_check_on_the_farm(farm, capsys, tmp_path):
    assert main(["info", "--farm", farm, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["board_id"] == "qemu-f446" and info["url"].startswith("socket://127.0.0.1:")
    assert main(["farm", "check", "--farm", farm, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["result"] for r in rows] == ["ok", "ok"] and "firmware 0.1.0" in rows[0]["detail"]
    assert main(["farm", "status", "--farm", farm, "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert {(r["place"], r["health"], r["acquired_by"]) for r in status} == {("qemu-f446-a-0", "ok", ""),
                                                                             ("qemu-f446-a-1", "ok", "")}  # fmt: skip
    assert main(["search", "--budget", "9000", "--task", "digits", "--farm", farm, "--boards", "qemu-f446:3",
                 "--out", str(tmp_path / "s")]) == 1  # fmt: skip
    assert "wanted 3 place(s) with board=qemu-f446, health=ok, it has 2" in capsys.readouterr().err


def test_no_coordinator_is_one_line(capsys):
    from hil.targets.process import free_tcp_port

    assert main(["info", "--farm", f"127.0.0.1:{free_tcp_port()}"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no labgrid coordinator answers there" in err[0], err


def _settings(generations=3):
    return Settings(population=8, generations=generations, seed=1, genome_length=6,
                    objectives=("accuracy", "size", "cycles"), budget_bytes=9000)  # fmt: skip


def test_search_on_the_farm_equals_the_local_search(farm, tmp_path):
    boards = [get_board("qemu-f446")] * 2
    with farm_client(farm) as client:
        on_farm = run_search(ToyProblem(), boards, _settings(), tmp_path / "farm", {"task": "toy"}, "accuracy",
                             progress=False, farm=client)  # fmt: skip
    local = run_search(ToyProblem(), boards, _settings(), tmp_path / "local", {"task": "toy"}, "accuracy",
                       progress=False)  # fmt: skip
    assert sorted(on_farm["run"]["boards"]) == ["qemu-f446-a-0", "qemu-f446-a-1"]
    assert on_farm["run"]["evaluated_now"] == local["run"]["evaluated_now"]
    assert _front(tmp_path / "farm") == _front(tmp_path / "local")
    assert set(_acquired(farm).values()) == {None}


def test_an_exporter_killed_mid_search_loses_nothing(tmp_path, stm32_elf):
    boards = [get_board("qemu-f446")] * 2
    with coordinator(tmp_path) as address, exporter(address, "b", log=tmp_path / "b.log"), \
            exporter(address, "c", log=tmp_path / "c.log") as doomed, farm_client(address) as client:  # fmt: skip
        killer = threading.Thread(target=lambda: (wait_for(lambda: _rows(tmp_path / "farm" / "search.db") >= 8, 60,
                                                           "8 evaluations stored"), stop_group(doomed, signal.SIGKILL)))  # fmt: skip
        killer.start()
        s = run_search(ToyProblem(0.05), boards, _settings(4), tmp_path / "farm", {"task": "toy"}, "accuracy",
                       progress=False, farm=client)  # fmt: skip
        killer.join()
        dead = {v.name: v.tags["health"] for v in client.places()}
        assert dead["qemu-f446-c-0"] == "dead" and dead["qemu-f446-b-0"] == "ok"
        assert not any(v.acquired for v in client.places())
    fresh = run_search(ToyProblem(), boards, _settings(4), tmp_path / "local", {"task": "toy"}, "accuracy",
                       progress=False)  # fmt: skip
    db = sqlite3.connect(tmp_path / "farm" / "search.db")
    keys = [k for (k,) in db.execute("SELECT genome FROM evaluations")]
    assert len(keys) == len(set(keys)) == s["run"]["evaluated_now"] == fresh["run"]["evaluated_now"]
    assert _front(tmp_path / "farm") == _front(tmp_path / "local")


def test_a_dead_emulator_is_restarted_by_its_exporter(farm, capsys):
    exporter_pid = int(subprocess.run(["pgrep", "-f", f"farm exporter --coordinator {farm} --name a"],
                                      capture_output=True, text=True).stdout.split()[0])  # fmt: skip
    victim = sorted(qemu_pids(parent=exporter_pid))[0]
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: victim not in qemu_pids(parent=exporter_pid) and len(qemu_pids(parent=exporter_pid)) == 2
             and len(healthy(farm, "qemu-f446-a-")) == 2, 30, "the emulator restarted and its place ok")  # fmt: skip
    with farm_client(farm) as client:
        assert any("restarted by its exporter" in v.comment for v in client.places())
    assert main(["farm", "check", "--farm", farm, "--json"]) == 0
    assert [r["result"] for r in json.loads(capsys.readouterr().out)] == ["ok", "ok"]


def test_hw_tests_run_on_a_farm_place_through_labgrids_pytest_plugin(farm, tmp_path):
    env = tmp_path / "env.yaml"
    env.write_text("targets:\n  main:\n    resources:\n      RemotePlace:\n        name: qemu-f446-a-1\n")
    with farm_client(farm) as client:
        client.acquire("qemu-f446-a-1")  # as `labgrid-client -p qemu-f446-a-1 acquire` would
        try:
            done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                                   str(ROOT / "tests/test_hw.py"), "-k", "answers_on_its_link", "--lg-env", str(env),
                                   "--lg-coordinator", farm], capture_output=True, text=True, cwd=ROOT, timeout=120)  # fmt: skip
        finally:
            client.release("qemu-f446-a-1")
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]


def test_the_serial_module_is_labgrids_fork():
    """labgrid's RFC 2217 fixes: PlatformIO pulls plain pyserial too, and the Makefile lays the fork last."""
    import serial

    assert serial.__version__ == "3.5.0.2"
