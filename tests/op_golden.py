"""What the layer-op tests share (tests/test_ops_rectifiers.py, test_ops_movement.py,
test_ops_keras_layers.py): seeded models from tf.functions, Keras layers or synthetic graphs, random
rows, and hil's outputs (simulator, host build, emulated board) against a golden engine, byte for byte.

The golden engine is TFLM (hil.step.reference.run_tflm, in a child process); a model with an op TFLM
has no kernel for (TILE, which Keras' UpSampling lowers to; int16 REDUCE_MAX) is checked against
TFLite's reference kernels (run_tflite_ref) instead. Model inputs have a leading batch of 1: the engines
run one row each."""

from __future__ import annotations

import numpy as np
import pytest

from hil.compile.compiler import compile_tflite
from hil.compile.tflite import read_tflite
from hil.sim import Simulator
from hil.step.reference import run_tflite_ref, run_tflm
from tests.test_ops_elementwise import cached, op_names  # noqa: F401 (the layer-op tests import them from here)
from tests.test_ops_elementwise import random_inputs as random_rows  # (rows, *shape) per input, seeded

ROWS = 16
TFLM_LACKS = {("TILE", "int8"), ("TILE", "int16"), ("REDUCE_MAX", "int16")}  # (op, input type) TFLM refuses


def tflm_runs(tfl: bytes) -> bool:
    """Whether TFLM has a kernel for every op of the model (as its input type needs)."""
    g = read_tflite(tfl)
    return not TFLM_LACKS & {(op.name, g.tensors[op.inputs[0]].dtype) for op in g.ops}


def golden(tfl: bytes, xs: list[np.ndarray]) -> list[np.ndarray]:
    """The golden engine's outputs for rows xs, each (rows, *shape[1:])."""
    run = run_tflm if tflm_runs(tfl) else run_tflite_ref
    return run(tfl, [x.reshape(len(x), *x.shape[2:]) for x in xs])


def assert_same(got: list[np.ndarray], want: list[np.ndarray], label: str) -> None:
    """Every output byte for byte; a failure says where and how many values differ."""
    assert len(got) == len(want), f"{label}: {len(got)} outputs, golden has {len(want)}"
    for j, (g, w) in enumerate(zip(got, want)):
        g = np.asarray(g).reshape(w.shape)
        bad = np.argwhere(g.view(np.uint8).reshape(len(g), -1) != w.view(np.uint8).reshape(len(w), -1))
        if bad.size:
            diff = np.argwhere(g != w)[:6]
            where = [tuple(int(i) for i in b) for b in diff]
            pytest.fail(f"{label} output {j}: {len(np.argwhere(g != w))} of {w.size} values differ from the "
                        f"golden engine; first at {where}: hil {[g[b].item() for b in where]} vs "
                        f"{[w[b].item() for b in where]}")


def check(tfl: bytes, *, rows: int = ROWS, seed: int = 0, fill=None, expect=None) -> None:
    """The simulator (reference and optimised kernels) equals the golden engine on seeded rows."""
    names = op_names(tfl)
    if expect is not None:
        assert names == expect, f"converter emitted {names}, wanted {expect}"
    xs = random_rows(tfl, rows, seed, fill)
    want = golden(tfl, xs)
    sim = Simulator(compile_tflite(tfl).blob)
    for reference in (False, True):
        assert_same(sim.run(*xs, reference=reference), want, f"{names} (simulator, reference={reference})")


def check_on_board(board: str, models: dict) -> None:
    """Each model on a board (the host build or the emulated NUCLEO) equals the golden engine."""
    from hil.run.rows import run_rows
    from tests.conftest import open_board

    with open_board(board) as session:
        for name, make in models.items():
            tfl = cached(("board", name), make)
            xs = random_rows(tfl, 6, seed=len(name))
            got, _ = run_rows(session, compile_tflite(tfl), [x.reshape(len(x), -1) for x in xs])
            assert_same(got, golden(tfl, xs), f"{name} on {board}")


def layer_model(shape: tuple, *layers):
    """A functional Keras model: one input of shape (no batch) through layers in turn."""
    import keras

    x_in = keras.Input(shape)
    x = x_in
    for layer in layers:
        x = layer(x)
    return keras.Model(x_in, x)


def keras_tflite(model, activations: str = "int8", seed: int = 0, scale: float = 1.0) -> bytes:
    """A Keras model through hil.convert.keras_to_tflite.convert_model, calibrated on seeded rows."""
    from hil.convert.keras_to_tflite import convert_model

    rng = np.random.default_rng(seed)
    calib = {t.name: (rng.normal(size=(16, *t.shape[1:])) * scale).astype(np.float32) for t in model.inputs}
    return convert_model(model, calib if len(calib) > 1 else next(iter(calib.values())), activations, seed)
