"""Whole models: the emulated board, the host build, the simulator and TFLM give identical integers.

The models are the zoo's (a convolutional SE model, a single-step GRU, a dense
classifier) and random Keras graphs with seeded shapes, all converted by TF."""

import numpy as np
import pytest

from hil.compile.compiler import compile_tflite
from hil.run.rows import run_rows
from hil.sim import Simulator
from tests.conftest import LINK_BOARDS, open_board

ROWS = 12


def _random_keras(seed: int):
    """A random stack of Dense / Conv1D / DepthwiseConv1D / residual layers, seeded."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    steps, feats = int(rng.integers(4, 12)), int(rng.choice([8, 16, 24]))
    x = inp = tf.keras.Input((steps, feats), batch_size=1)
    for _ in range(int(rng.integers(2, 5))):
        kind = rng.choice(["conv", "dw", "dense", "res"])
        if kind == "conv":
            x = tf.keras.layers.Conv1D(int(rng.choice([8, 16, 32])), int(rng.choice([1, 3])), padding="same",
                                       activation=rng.choice(["relu", None]))(x)  # fmt: skip
        elif kind == "dw":
            x = tf.keras.layers.DepthwiseConv1D(3, padding="same", dilation_rate=int(rng.choice([1, 2])))(x)
        elif kind == "dense":
            x = tf.keras.layers.Dense(int(rng.choice([8, 16, 32])), activation=rng.choice(["relu", "tanh", None]))(x)
        else:
            y = tf.keras.layers.Conv1D(x.shape[-1], 1, padding="same")(x)
            x = tf.keras.layers.Add()([x, y])
    x = tf.keras.layers.Dense(feats, activation="sigmoid")(x)
    model = tf.keras.Model(inp, x)
    return model, rng.normal(size=(64, steps, feats)).astype(np.float32)


def _zoo_tflite(name: str) -> tuple[bytes, list[np.ndarray]]:
    from hil.convert.keras_to_tflite import calib_arrays, convert_model, load_calib, load_model
    from hil.zoo import zoo_path

    model = load_model(name)
    calib = load_calib(zoo_path(name) / "calib.npy")
    return convert_model(model, calib), calib_arrays(model, calib)


@pytest.fixture(scope="module", params=["conv-se-tiny", "gru-step-tiny", "dense-kws-tiny", "random-0", "random-1",
                                        "random-2"])  # fmt: skip
def converted(request):
    from hil.convert.keras_to_tflite import convert_model
    from hil.zoo import deterministic

    name = request.param
    if name.startswith("random-"):
        deterministic(int(name[-1]))
        model, calib = _random_keras(int(name[-1]))
        return name, convert_model(model, calib), None
    tflite, _ = _zoo_tflite(name)
    return name, tflite, None


def _inputs(model, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(-128, 128, size=(ROWS, *spec.shape), dtype=spec.dtype) for spec in model.inputs]


def test_board_host_simulator_and_tflm_agree(converted, stm32_elf, host_exe):
    from hil.step.reference import run_tflm

    name, tflite, _ = converted
    model = compile_tflite(tflite)
    xs = _inputs(model, seed=len(name))
    expected = [e.reshape((ROWS, *spec.shape)) for e, spec in
                zip(run_tflm(tflite, [x.reshape(ROWS, *x.shape[2:]) for x in xs]), model.outputs)]  # fmt: skip
    results = {"simulator": Simulator(model.blob).run(*xs)}
    results["simulator reference"] = Simulator(model.blob).run(*xs, reference=True)
    for board in LINK_BOARDS:
        with open_board(board) as session:
            results[board] = run_rows(session, model, [x.reshape(ROWS, -1) for x in xs])[0]
            if board == "qemu-f446":  # its optimized kernels run above; qemu-rv32 runs the reference only
                results[f"{board} reference"] = run_rows(session, model, [x.reshape(ROWS, -1) for x in xs],
                                                         reference=True)[0]  # fmt: skip
    for where, outs in results.items():
        for i, (got, want) in enumerate(zip(outs, expected)):
            diff = np.argwhere(got.reshape(want.shape) != want)
            assert diff.size == 0, f"{name} output {i} on {where}: {len(diff)} of {want.size} differ, first {diff[:3]}"


def _tflm_planned_bytes(tflite: bytes, tmp_path) -> int:
    """TFLM's planned non-persistent arena ('head') for the model, from its allocation recorder."""
    import re
    import subprocess
    import sys

    path = tmp_path / "m.tflite"
    path.write_bytes(tflite)
    code = ("import sys; from tflite_micro.python.tflite_micro import runtime as r; "
            "r.Interpreter.from_bytes(open(sys.argv[1], 'rb').read()).print_allocations()")  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    match = re.search(r"Arena allocation head (\d+) bytes", proc.stdout + proc.stderr)
    assert match, proc.stderr[-2000:]
    return int(match.group(1))


def test_arena_plan_is_at_least_as_tight_as_tflm(converted, tmp_path):
    name, tflite, _ = converted
    model = compile_tflite(tflite)
    tflm = _tflm_planned_bytes(tflite, tmp_path)
    assert model.activation_bytes <= tflm, f"{name}: hil plans {model.activation_bytes} B, TFLM {tflm} B"
    assert model.arena_bytes >= model.activation_bytes  # plus the optimized kernels' scratch
