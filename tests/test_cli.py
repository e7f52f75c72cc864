"""The `hil` command end to end: output, one-line errors, and process lifetimes."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from hil import cli
from hil.boards import get_board
from hil.targets.process import free_tcp_port
from tests.conftest import EMULATED_BOARDS, EMULATED_COUNTERS


QEMU_PROGRAMS = tuple(get_board(b).emulator.program.encode() for b in EMULATED_BOARDS)


def qemu_pids(parent: int | None = None) -> set[int]:
    """QEMU processes on this machine (children of `parent` only, when given)."""
    pids = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if not (d / "cmdline").read_bytes().split(b"\0")[0].endswith(QEMU_PROGRAMS):
                    continue
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if parent is None or ppid == parent:
                pids.add(int(d.name))
    return pids


def alive(pids: set[int]) -> set[int]:
    return {p for p in pids if Path(f"/proc/{p}").exists() and "Z" not in Path(f"/proc/{p}/stat").read_text().split()[2]}


def run_cli(capsys, *args):
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hil: error: "), err
    return lines[0]


@pytest.mark.parametrize("board", EMULATED_BOARDS)
def test_info_on_emulated_board_leaves_no_emulator(capsys, board):
    code, out, _ = run_cli(capsys, "info", "--json", "--board", board)
    assert code == 0
    info = json.loads(out)
    assert (info["board_id"], info["counter"], info["clock_hz"]) == (board, EMULATED_COUNTERS[board],
                                                                     get_board(board).clock_hz)
    assert info["url"].startswith("socket://127.0.0.1:")
    assert qemu_pids(parent=os.getpid()) == set()


def test_info_table_on_host_build(capsys, host_exe):
    code, out, _ = run_cli(capsys, "info", "--board", "host")
    assert code == 0
    assert "board_id" in out and "host-ns" in out and "frames_ok" in out


def test_build_prints_elf_path_and_sizes(capsys):
    code, out, _ = run_cli(capsys, "build")
    assert code == 0 and out.strip().endswith("hil-fw.elf") and Path(out.strip()).exists()
    code, out, _ = run_cli(capsys, "build", "--json")
    sizes = json.loads(out)
    assert 0 < sizes["flash_bytes"] < 512 * 1024


@pytest.mark.parametrize("board", EMULATED_BOARDS)
def test_flash_emulated_boots_fresh_elf(capsys, board):
    code, out, _ = run_cli(capsys, "flash", "--json", "--board", board)
    result = json.loads(out)
    assert code == 0 and result["booted"] == board and result["counter"] == EMULATED_COUNTERS[board]
    assert result["flash_bytes"] > 0
    assert qemu_pids(parent=os.getpid()) == set()


def test_flash_emulated_dry_run_shows_qemu_command(capsys):
    code, out, _ = run_cli(capsys, "flash", "--dry-run")
    assert code == 0
    for part in ("qemu-system-arm", "-M netduinoplus2", "-icount shift=0", "host=127.0.0.1", "nodelay=on",
                 "-serial null -serial chardev:hil"):  # fmt: skip
        assert part in out


def test_flash_physical_dry_run_prints_platformio_upload(capsys):
    code, out, _ = run_cli(capsys, "flash", "--board", "nucleo-f446", "--dry-run")
    assert code == 0
    assert out.split()[1:3] == ["run", "-d"] and "-e nucleo_f446re -t upload" in out
    assert out.split()[0].endswith("pio")


@pytest.mark.parametrize("command", ["flash", "info"])
def test_physical_board_missing_is_one_clear_line(capsys, command):
    code, _, err = run_cli(capsys, command, "--board", "nucleo-f446")
    assert code == 1
    assert "no nucleo-f446 connected: wanted a USB serial device 0483:374b, found none" in one_error_line(err)


def test_unknown_board_is_one_clear_line(capsys):
    code, _, err = run_cli(capsys, "info", "--board", "stm32-blue-pill")
    assert code == 1
    assert "unknown board 'stm32-blue-pill': wanted one of" in one_error_line(err)


def test_dead_url_is_one_clear_line(capsys):
    port = free_tcp_port()
    code, _, err = run_cli(capsys, "info", "--url", f"socket://127.0.0.1:{port}")
    assert code == 1
    assert f"cannot open socket://127.0.0.1:{port}" in one_error_line(err)


def test_emulate_rejects_a_physical_board(capsys):
    code, _, err = run_cli(capsys, "emulate", "--board", "nucleo-f446", "--port", "5555")
    assert code == 1 and "wants an emulated board" in one_error_line(err)


def test_bench_link_json(capsys, host_exe):
    code, out, _ = run_cli(capsys, "bench", "link", "--board", "host", "--json", "--pings", "20", "--sizes-kib", "1", "4")
    result = json.loads(out)
    assert code == 0
    assert result["latency"]["pings"] == 20
    assert 0 < result["latency"]["median_ms"] <= result["latency"]["p99_ms"]
    assert [r["size_bytes"] for r in result["throughput"]] == [1024, 4096]
    assert all(r["host_to_board_bytes_per_s"] > 0 and r["board_to_host_bytes_per_s"] > 0 for r in result["throughput"])
    assert "host wall clock" in result["clock"]


def _start_emulate(port):
    proc = subprocess.Popen(
        [sys.executable, "-m", "hil.cli", "emulate", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    assert f"running on socket://127.0.0.1:{port}" in line, line + proc.stderr.read()
    return proc


def test_emulate_serves_several_clients_and_stops_cleanly(capsys, stm32_elf):
    port = free_tcp_port()
    proc = _start_emulate(port)
    try:
        url = f"socket://127.0.0.1:{port}"
        for board in ("qemu-f446", "nucleo-f446"):  # --url overrides the board's own link
            code, out, err = run_cli(capsys, "info", "--board", board, "--url", url, "--json")
            assert code == 0, err
            assert json.loads(out)["board_id"] == "qemu-f446"
        emulators = qemu_pids(parent=proc.pid)
        assert len(emulators) == 1  # clients reuse the running emulator
        assert qemu_pids(parent=os.getpid()) == set()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert proc.returncode == 128 + signal.SIGTERM
    assert alive(emulators) == set()


def test_emulator_dies_with_a_killed_hil(stm32_elf):
    proc = _start_emulate(free_tcp_port())
    emulators = qemu_pids(parent=proc.pid)
    assert len(emulators) == 1
    os.kill(proc.pid, signal.SIGKILL)  # no cleanup code runs: the kernel's parent-death signal must
    proc.wait(10)
    deadline = time.monotonic() + 5
    while alive(emulators) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive(emulators) == set()


# ---------------------------------------------------------------- refused before any work (issue 9)


ROOT = Path(__file__).resolve().parent.parent


def _must_not_run(what: str):
    def refuse(*args, **kwargs):
        raise AssertionError(f"{what} ran before the arguments were checked")

    return refuse


@pytest.fixture
def no_work(monkeypatch):
    """Fails a test whose command compiles, converts or brings a board up."""
    import hil.compile.cli as compile_cli
    import hil.convert.keras_to_tflite as keras_to_tflite
    import hil.run.cli as run_shell

    monkeypatch.setattr(run_shell, "board_session", _must_not_run("bringing the board up"))
    monkeypatch.setattr(compile_cli, "compile_tflite", _must_not_run("compiling"))
    monkeypatch.setattr(run_shell, "load_model", _must_not_run("loading the model"))
    monkeypatch.setattr(keras_to_tflite, "convert", _must_not_run("converting"))


def _unwritable_out(tmp_path, where: str) -> str:
    if where == "under a file":  # NotADirectoryError
        (tmp_path / "file").write_text("")
        return str(tmp_path / "file" / "out.bin")
    return "/sys/hil-test/out.bin"  # PermissionError, even for root


@pytest.mark.parametrize("command", ["compile", "run", "convert"])
@pytest.mark.parametrize("where", ["under a file", "read-only"])
def test_an_unwritable_out_is_refused_before_any_work(tmp_path, capsys, no_work, command, where):
    from tests.graphs import MLP_DIMS, mlp_tflite

    model = tmp_path / "m.tflite"
    model.write_bytes(mlp_tflite())
    np.save(tmp_path / "x.npy", np.zeros((2, MLP_DIMS[0]), np.float32))
    calib = ROOT / "models/dense-kws-tiny/calib.npy"
    args = {"compile": ["compile", str(model)],
            "run": ["run", "--model", str(model), "--input", str(tmp_path / "x.npy"), "--board", "host"],
            "convert": ["convert", "dense-kws-tiny", "--calib", str(calib)]}[command]  # fmt: skip
    code, _, err = run_cli(capsys, *args, "--out", _unwritable_out(tmp_path, where))
    assert code == 1 and "--out: wanted a" in one_error_line(err)


@pytest.mark.parametrize("rows,message", [
    (np.zeros((0, 8), np.float32), "wanted at least one row of 8 values, got 0 rows"),
    (np.array([[0.0] * 7 + [np.nan]], np.float32), "input 'features' row 0, column 7 is nan; wanted finite values"),
])  # fmt: skip
def test_run_refuses_unusable_rows_before_the_board_is_up(tmp_path, capsys, monkeypatch, rows, message):
    from tests.graphs import mlp_tflite

    import hil.run.cli as run_shell

    monkeypatch.setattr(run_shell, "board_session", _must_not_run("bringing the board up"))
    (tmp_path / "m.tflite").write_bytes(mlp_tflite())
    np.save(tmp_path / "x.npy", rows)
    code, _, err = run_cli(capsys, "run", "--model", str(tmp_path / "m.tflite"), "--input", str(tmp_path / "x.npy"),
                           "--out", str(tmp_path / "y.npy"))  # fmt: skip
    assert code == 1 and message in one_error_line(err)
