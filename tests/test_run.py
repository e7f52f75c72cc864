"""`hil run` and the runtime end to end: the emulated board, the host build, the simulator and TFLM agree."""

import json
import math
import struct

import numpy as np
import pytest

from hil import cli
from hil.compile.compiler import IoSpec, compile_tflite
from hil.errors import ConfigError
from hil.run.rows import run_rows
from hil.run.inputs import load_inputs
from hil.sim import Simulator
from tests.conftest import EMULATED_BOARDS, EMULATED_COUNTERS, LINK_BOARDS, open_board
from tests.graphs import mlp_model


def _tflm(tflite: bytes, x: np.ndarray) -> np.ndarray:
    from hil.step.reference import run_tflm

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
    for board in LINK_BOARDS:
        with open_board(board) as s:
            for reference in (True, False):
                outs, figures = run_rows(s, model, [x.reshape(25, 40)], reference=reference)
                diff = np.argwhere(outs[0] != expected)
                assert diff.size == 0, f"{board} ({'ref' if reference else 'opt'}): {len(diff)} differ, first {diff[:3]}"
                assert figures["uploaded"] is reference  # the second pass finds the model already there


@pytest.mark.parametrize("board", EMULATED_BOARDS)
def test_model_swap_matches_fresh_boots(board):
    a, b = mlp_model((40, 64, 10), seed=1), mlp_model((32, 16, 8), seed=2)
    xa = np.random.default_rng(3).integers(-128, 128, size=(4, 40), dtype=np.int8)
    xb = np.random.default_rng(4).integers(-128, 128, size=(4, 32), dtype=np.int8)
    fresh = {}
    for name, model, x in (("a", a, xa), ("b", b, xb)):
        with open_board(board) as s:
            fresh[name] = run_rows(s, model, [x])[0][0]
    with open_board(board) as s:
        seq = [("a", a, xa), ("b", b, xb), ("a", a, xa)]
        for name, model, x in seq:
            out, figures = run_rows(s, model, [x])
            assert figures["uploaded"]
            assert np.array_equal(out[0], fresh[name]), name


@pytest.mark.parametrize("board", EMULATED_BOARDS)
def test_run_cli_json_profile_and_outputs(tmp_path, capsys, fc_tflite, board):
    x = np.random.default_rng(0).normal(size=(3, 40)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    args = ["run", "--model", str(fc_tflite), "--input", str(tmp_path / "x.npy"), "--out", str(tmp_path / "y.npy")]
    assert cli.main(args + ["--profile", "--json", "--board", board]) == 0
    fig = json.loads(capsys.readouterr().out)
    assert fig["board"] == board and fig["counter"] == EMULATED_COUNTERS[board] and fig["inferences"] == 3
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
    big = mlp_model((512, 256, 64))  # ~150 KiB of weights: more than the F446's model RAM, and its flash slot is blank
    path = tmp_path / "big.hilm"
    path.write_bytes(big.blob)
    np.save(tmp_path / "x.npy", np.zeros((1, 512), np.int8))
    assert cli.main(["run", "--model", str(path), "--input", str(tmp_path / "x.npy"), "--out",
                     str(tmp_path / "y.npy")]) == 1  # fmt: skip
    err = capsys.readouterr().err
    assert "B of RAM (blob + arena)" in err and "write it into the slot with `hil flash --board qemu-f446" in err


def test_run_cli_takes_npz_arrays_by_signature_name(tmp_path, capsys, host_exe):
    """Users name arrays as the model's signature does ('state_0', 'features'), not 'serving_default_state_0:0'."""
    from tests.graphs import elementwise_graph, to_tflite

    tflite = to_tflite(elementwise_graph(), {0: "state_0", 1: "features"})
    (tmp_path / "m.tflite").write_bytes(tflite)
    rng = np.random.default_rng(2)
    a, b = (rng.integers(-128, 128, size=(3, 8), dtype=np.int8) for _ in range(2))
    np.savez(tmp_path / "x.npz", features=b, state_0=a)
    args = ["run", "--model", str(tmp_path / "m.tflite"), "--input", str(tmp_path / "x.npz"), "--out",
            str(tmp_path / "y.npz"), "--board", "host", "--json"]  # fmt: skip
    assert cli.main(args) == 0
    assert json.loads(capsys.readouterr().out)["inferences"] == 3
    got = np.load(tmp_path / "y.npz")
    want = Simulator(compile_tflite(tflite).blob).run(a[:, None], b[:, None])
    assert all(np.array_equal(got[f"output_{i}"], w) for i, w in enumerate(want))


def test_run_rows_refuses_zero_rows_before_touching_the_board():
    with pytest.raises(ConfigError, match="inputs: wanted at least one row, got 0"):
        run_rows(None, mlp_model((8, 16, 4)), [np.zeros((0, 8), np.int8)])  # no session: the board is never asked


# ---------------------------------------------------------------- input files (--input): refused before the board is up

ONE = [IoSpec("serving_default_features:0", "int8", (1, 8), 0.05, 3, "features")]
TWO = [IoSpec("serving_default_state_0:0", "int8", (1, 4), 0.1, 0, "state_0"),
       IoSpec("serving_default_features:0", "int16", (1, 3), 0.001, 0, "features")]  # fmt: skip


def _npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def test_inputs_are_found_by_signature_name_tensor_name_or_position(tmp_path):
    rows = np.random.default_rng(0).normal(size=(2, 4)).astype(np.float32)
    ints = np.array([[1, 2, 3], [4, 5, 6]], np.int16)
    for names in (("state_0", "features"), ("serving_default_state_0:0", "serving_default_features:0"),
                  ("input_0", "input_1"), ("state_0", "input_1")):  # fmt: skip
        got = load_inputs(_npz(tmp_path / "x.npz", **dict(zip(names, (rows, ints)))), TWO)
        assert got[0].shape == (2, 4) and got[0].dtype == np.int8 and np.array_equal(got[1], ints), names


def test_a_missing_input_array_lists_the_names_accepted(tmp_path):
    path = _npz(tmp_path / "x.npz", state_0=np.zeros((1, 4), np.float32), feature=np.zeros((1, 3), np.int16))
    message = (r"x\.npz: wanted an array for input 1 named 'features' or 'serving_default_features:0' or "
               r"'input_1', got \['feature', 'state_0'\]")
    with pytest.raises(ConfigError, match=message):
        load_inputs(path, TWO)


def test_zero_rows_are_refused(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((0, 8), np.float32))
    with pytest.raises(ConfigError, match=r"wanted at least one row of 8 values, got 0 rows \(array shape \(0, 8\)\)"):
        load_inputs(tmp_path / "x.npy", ONE)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_inputs_are_refused_naming_row_and_column(tmp_path, bad):
    x = np.zeros((3, 8), np.float32)
    x[1, 3] = x[2, 0] = bad
    np.save(tmp_path / "x.npy", x)
    message = rf"input 'features' row 1, column 3 is {bad}; wanted finite values \(2 are not\)"
    with pytest.raises(ConfigError, match=message):
        load_inputs(tmp_path / "x.npy", ONE)
    float_model = [IoSpec("x", "float32", (1, 8), 0.0, 0)]
    np.save(tmp_path / "big.npy", np.full((1, 8), 1e300))  # finite in float64, inf as the model's float32
    with pytest.raises(ConfigError, match=r"row 0, column 0 is 1e\+300; wanted finite float32 values \(8 are not\)"):
        load_inputs(tmp_path / "big.npy", float_model)


def _npy_header(header: str) -> bytes:
    text = header.encode("latin1")
    text += b" " * (-(len(text) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


DAMAGED_INPUTS = {
    "header claims more than the file holds": (
        _npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 8), }") + bytes(32),
        r"the header says float32\[1000000000000, 8\] \(32,000,000,000,000 bytes\); the file holds 32"),
    "unterminated header": (_npy_header("{'descr': '<f4', 'shape': (3,"),  # numpy's tokenizer: TokenError
                            r"wanted an \.npy or \.npz file, got one that does not parse"),
    "object array": (_npy_header("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }"),
                     r"wanted an array of numbers, got dtype object"),
    "truncated archive": (b"PK\x03\x04" + bytes(20), r"wanted an \.npz archive, got a damaged one"),
}  # fmt: skip


@pytest.mark.parametrize("fault", DAMAGED_INPUTS)
def test_damaged_input_files_are_one_config_error(tmp_path, fault):
    data, message = DAMAGED_INPUTS[fault]
    (tmp_path / "x.npy").write_bytes(data)
    with pytest.raises(ConfigError, match=message):
        load_inputs(tmp_path / "x.npy", ONE)
