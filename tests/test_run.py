"""`hil run` and the runtime end to end: the emulated board, the host build, the simulator and TFLM agree."""

import json

import numpy as np

from hil import cli
from hil.compile.compiler import compile_tflite
from hil.profile.run import run_rows
from hil.sim import Simulator
from tests.conftest import open_board
from tests.graphs import mlp_model


def _tflm(tflite: bytes, x: np.ndarray) -> np.ndarray:
    from hil.convert.tflm import run_tflm

    return run_tflm(tflite, [x])[0]


def test_fc_model_is_bit_exact_everywhere(fc_tflite, stm32_elf, host_exe):
    tflite = fc_tflite.read_bytes()
    model = compile_tflite(tflite)
    x = np.random.default_rng(1).integers(-128, 128, size=(25, 1, 40), dtype=np.int8)
    expected = _tflm(tflite, x.reshape(25, 40)).reshape(25, 1, 10)
    sim = Simulator(model.blob)
    for reference in (True, False):
        got = sim.run(x, reference=reference)[0]
        assert np.array_equal(got, expected), f"simulator differs from TFLM at {np.argwhere(got != expected)[:5]}"
    for board in ("qemu-f446", "host"):
        with open_board(board) as s:
            for reference in (True, False):
                outs, figures = run_rows(s, model, [x.reshape(25, 40)], reference=reference)
                diff = np.argwhere(outs[0] != expected)
                assert diff.size == 0, f"{board} ({'ref' if reference else 'opt'}): {len(diff)} differ, first {diff[:3]}"
                assert figures["uploaded"] is reference  # the second pass finds the model already there


def test_model_swap_matches_fresh_boots(stm32_elf):
    a, b = mlp_model((40, 64, 10), seed=1), mlp_model((32, 16, 8), seed=2)
    xa = np.random.default_rng(3).integers(-128, 128, size=(4, 40), dtype=np.int8)
    xb = np.random.default_rng(4).integers(-128, 128, size=(4, 32), dtype=np.int8)
    fresh = {}
    for name, model, x in (("a", a, xa), ("b", b, xb)):
        with open_board("qemu-f446") as s:
            fresh[name] = run_rows(s, model, [x])[0][0]
    with open_board("qemu-f446") as s:
        seq = [("a", a, xa), ("b", b, xb), ("a", a, xa)]
        for name, model, x in seq:
            out, figures = run_rows(s, model, [x])
            assert figures["uploaded"]
            assert np.array_equal(out[0], fresh[name]), name


def test_run_cli_json_profile_and_outputs(tmp_path, capsys, fc_tflite, stm32_elf):
    x = np.random.default_rng(0).normal(size=(3, 40)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    args = ["run", "--model", str(fc_tflite), "--input", str(tmp_path / "x.npy"), "--out", str(tmp_path / "y.npy")]
    assert cli.main(args + ["--profile", "--json"]) == 0
    fig = json.loads(capsys.readouterr().out)
    assert fig["board"] == "qemu-f446" and fig["counter"] == "tim2-icount" and fig["inferences"] == 3
    assert fig["model_bytes"] > 0 and fig["arena_bytes"] > 0 and fig["uploaded"] is True
    assert [o["op"] for o in fig["ops"]] == ["FULLY_CONNECTED", "FULLY_CONNECTED"]
    assert all(o["cycles"] > o["macs"] // 4 > 0 for o in fig["ops"])
    y = np.load(tmp_path / "y.npy")
    assert y.dtype == np.int8 and y.shape == (3, 1, 10)
    assert cli.main(args + ["--dequantize", "--json", "--board", "host"]) == 0
    capsys.readouterr()
    yf = np.load(tmp_path / "y.npy")
    assert yf.dtype == np.float32 and yf.shape == (3, 1, 10)


def test_run_cli_input_errors_are_one_line(tmp_path, capsys, fc_tflite):
    np.save(tmp_path / "bad.npy", np.zeros((3, 41), np.float32))
    args = ["run", "--model", str(fc_tflite), "--input", str(tmp_path / "bad.npy"), "--out", str(tmp_path / "y.npy")]
    assert cli.main(args + ["--board", "host"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "wanted rows of 40 values (input shape (1, 40)), got array shape (3, 41)" in err
    np.save(tmp_path / "big.npy", np.full((2, 40), 300, np.int16))
    assert cli.main(["run", "--model", str(fc_tflite), "--input", str(tmp_path / "big.npy"), "--out",
                     str(tmp_path / "y.npy"), "--board", "host"]) == 1  # fmt: skip
    assert "wanted floats or int8 values in [-128, 127], got int16" in capsys.readouterr().err
    assert cli.main(["run", "--model", str(tmp_path / "m.onnx"), "--input", "x", "--out", "y", "--board", "host"]) == 1
    assert "wanted a .tflite or .hilm file, got '.onnx'" in capsys.readouterr().err


def test_over_budget_model_is_refused_before_upload(tmp_path, capsys):
    big = mlp_model((512, 256, 64))  # ~150 KiB of weights: more than the F446's model RAM
    path = tmp_path / "big.hilm"
    path.write_bytes(big.blob)
    np.save(tmp_path / "x.npy", np.zeros((1, 512), np.int8))
    assert cli.main(["run", "--model", str(path), "--input", str(tmp_path / "x.npy"), "--out",
                     str(tmp_path / "y.npy")]) == 1  # fmt: skip
    assert "B of RAM (blob " in capsys.readouterr().err
