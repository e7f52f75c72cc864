"""GRU_STEP_S8 on converted models: nsnet2-small, the search tasks' models (gru-digits, gru-motions,
gru-vowels) and seeded random Keras GRU models (both reset_after modes, one and two GRU layers), exported
single-step by hil.convert.streaming.gru_step_model and converted by TensorFlow. Every cell is fused, and
the fused model equals TFLM bit for bit on single steps and on streams with the state fed back, in the
simulator (reference and optimised kernels), the host build and the emulated board; the unfused blob
agrees too. The MP-GRU surgery path and int16 cells are left alone."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from functools import cache  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from hil.compile.compiler import compile_tflite  # noqa: E402
from hil.sim import Simulator  # noqa: E402
from hil.step.engines import run_stream  # noqa: E402
from hil.step.roles import step_io  # noqa: E402
from tests.op_golden import assert_same, golden, random_rows  # noqa: E402
from tests.test_gru_fuse import fused_ops  # noqa: E402

pytestmark = [pytest.mark.filterwarnings("ignore::UserWarning"), pytest.mark.slow]

TASK_MODELS = ("gru-digits", "gru-motions", "gru-vowels")
# name: (features, GRU units per layer, reset_after per layer)
RANDOM = {"random-1x12": (16, (12,), (True,)), "random-1x10-reset-before": (9, (10,), (False,)),
          "random-2x8x6": (12, (8, 6), (True, False)), "random-2x24x16": (20, (24, 16), (False, True))}  # fmt: skip
CELLS = {"nsnet2-small": 2, **dict.fromkeys(TASK_MODELS, 1), **{k: len(v[1]) for k, v in RANDOM.items()}}


def _sequence_model(features: int, units: tuple, reset_after: tuple, seed: int):
    """Input(T, features) -> Dense -> GRU per layer -> Dense(5, sigmoid), seeded."""
    import keras

    keras.utils.set_random_seed(seed)
    x = inp = keras.Input((None, features))
    x = keras.layers.Dense(features, activation="relu")(x)
    for n, after in zip(units, reset_after):
        x = keras.layers.GRU(n, return_sequences=True, reset_after=after, bias_initializer="random_normal")(x)
    return keras.Model(inp, keras.layers.Dense(5, activation="sigmoid")(x))


def _calibration(step, seqs: np.ndarray) -> dict[str, np.ndarray]:
    """(x_t, h_{t-1}) rows of the float step model run over float sequences (N, T, F), by input name."""
    names = [t.name for t in step.inputs]
    rows: dict[str, list] = {name: [] for name in names}
    for seq in seqs:
        states = [np.zeros((1, t.shape[-1]), np.float32) for t in step.inputs[1:]]
        for frame in seq:
            for name, value in zip(names, [frame[None], *states]):
                rows[name].append(value[0])
            states = [np.asarray(s) for s in step([frame[None], *states], training=False)[1:]]
    return {name: np.array(v) for name, v in rows.items()}


@cache
def tflite_of(name: str) -> bytes:
    from hil.convert.keras_to_tflite import calib_arrays, convert_model, load_calib, load_model
    from hil.convert.streaming import gru_step_model
    from hil.profile.models import zoo_int8
    from hil.zoo import zoo_path

    if name == "nsnet2-small":
        return zoo_int8(name).read_bytes()
    if name in TASK_MODELS:
        step = gru_step_model(load_model(name))
        return convert_model(step, calib_arrays(step, load_calib(zoo_path(name) / "calib.npy")))
    features, units, reset_after = RANDOM[name]
    step = gru_step_model(_sequence_model(features, units, reset_after, seed=len(name)))
    seqs = np.random.default_rng(len(name)).normal(size=(4, 30, features)).astype(np.float32)
    return convert_model(step, _calibration(step, seqs))


@pytest.mark.parametrize("name", list(CELLS))
def test_every_cell_is_fused_and_single_steps_are_bit_exact(name):
    tfl = tflite_of(name)
    model, plain = compile_tflite(tfl), compile_tflite(tfl, fuse=False)
    assert fused_ops(model) == CELLS[name], [op["op"] for op in model.ops]
    assert model.model_bytes < plain.model_bytes
    xs = random_rows(tfl, 16, seed=len(name))
    want = golden(tfl, xs)
    for label, blob, reference in (("fused, reference kernels", model.blob, True),
                                   ("fused, optimised kernels", model.blob, False),
                                   ("unfused", plain.blob, False)):  # fmt: skip
        assert_same(Simulator(blob).run(*xs, reference=reference), want, f"{name}: {label}")


@pytest.mark.parametrize("name", list(CELLS))
def test_streams_with_the_state_fed_back_are_bit_exact(name):
    tfl = tflite_of(name)
    io = step_io(tfl)
    rng = np.random.default_rng(3)
    feats = rng.integers(-128, 128, size=(40, *io.features.shape[1:]), dtype=np.int8)
    want, got = run_stream(tfl, feats, engine="tflm"), run_stream(tfl, feats, engine="sim")
    assert_same(got, want, f"{name}: a stream of 40 steps in the simulator")


def test_fused_models_run_bit_exact_on_the_boards(session):
    from hil.run.rows import run_rows

    for name in ("nsnet2-small", "random-2x8x6", "random-2x24x16"):
        tfl = tflite_of(name)
        model = compile_tflite(tfl)
        xs = random_rows(tfl, 6, seed=1)
        want = golden(tfl, xs)
        for reference in (False, True):
            got, _ = run_rows(session, model, [x.reshape(len(x), -1) for x in xs], reference=reference)
            assert_same(got, want, f"{name} on {session.board_info.board_id} (reference={reference})")


def test_mp_gru_surgery_replaces_the_cells_before_the_pass_sees_them():
    from hil.convert.mpgru_build import MpBuilder
    from hil.convert.streaming import gru_step_model
    from hil.mpgru import uniform_genome

    seqs = np.random.default_rng(2).normal(size=(8, 20, 16)).astype(np.float32)
    b = MpBuilder(gru_step_model(_sequence_model(16, (12,), (True,), seed=5)), seqs)
    assert fused_ops(compile_tflite(b.int8_tflite)) == 1
    mp = compile_tflite(b.tflite(uniform_genome(6)))
    assert [op["op"] for op in mp.ops] == ["FULLY_CONNECTED", "HIL_MP_GRU", "FULLY_CONNECTED", "LOGISTIC"]


def test_int16_cells_stay_plain_ops():
    from hil.convert.keras_to_tflite import convert_model
    from hil.convert.streaming import gru_step_model

    step = gru_step_model(_sequence_model(9, (10,), (True,), seed=9))
    seqs = np.random.default_rng(9).normal(size=(3, 20, 9)).astype(np.float32)
    tfl = convert_model(step, _calibration(step, seqs), activations="int16")
    model = compile_tflite(tfl)
    assert fused_ops(model) == 0 and "LOGISTIC" in [op["op"] for op in model.ops]
    xs = random_rows(tfl, 8, seed=2)
    assert_same(Simulator(model.blob).run(*xs), golden(tfl, xs), "an int16 GRU cell")
