"""PRELU, LEAKY_RELU, HARD_SWISH, MAXIMUM and MINIMUM: hil's simulator, host build and emulated board
against TFLM, byte for byte (tests/op_golden.py), on seeded random shapes and quantisations.

Cases come from Keras layers (hil.convert), tf.functions (the converter picks the quantisation) and
synthetic graphs written as .tflite (tests/graphs.py) whose quantisation and options are drawn at
random: every int8 input value, and every int16 value, under each drawn quantisation."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest

import tensorflow as tf

from hil.compile.compiler import compile_tflite  # noqa: E402
from hil.errors import HilError, ModelError  # noqa: E402
from tests.graphs import one_op, op_options, to_tflite  # noqa: E402
from tests.op_golden import (cached, check, check_on_board, golden, keras_tflite, layer_model,  # noqa: E402
                             op_names, random_rows)
from tests.test_ops_elementwise import broadcast_pair, convert, edit, random_quant, set_quant  # noqa: E402
from tests.conftest import LINK_BOARDS  # noqa: E402

INT8_SWEEP = np.arange(-128, 128, dtype=np.int8).reshape(1, 1, 256)
INT16_SWEEP = np.arange(-32768, 32768, dtype=np.int16).reshape(16, 1, 4096)


def random_frames(rng) -> tuple[int, ...]:
    """A Keras input shape without the batch: (frames, channels) or (height, width, channels)."""
    return tuple(int(d) for d in rng.integers(1, 9, size=int(rng.integers(2, 4))))


def requantised(tfl: bytes, quants: dict[str, tuple[float, int]], **opts) -> bytes:
    """The one-op model with its tensors' quantisation (by role: in, out, alpha) and options replaced."""
    def change(m, sg):
        op = sg.operators[0]
        roles = {"in": op.inputs[0], "out": op.outputs[0], "alpha": op.inputs[-1]}
        for role, q in quants.items():
            set_quant(sg.tensors[roles[role]], *q)
        for k, v in opts.items():
            setattr(op.builtinOptions, k, v)

    return edit(tfl, change)


def sweep_model(name: str, dtype: str, **kw) -> bytes:
    """A one-op model over one row of 256 (int8) or 4096 (int16) values, the sweep's shape."""
    shape = (1, 256) if dtype == "int8" else (1, 4096)
    return to_tflite(one_op(name, dtype, [shape], [shape], **kw))


# ---------------------------------------------------------------- PRELU


@pytest.mark.parametrize("seed", range(4))
def test_prelu_keras(seed):
    """Keras PReLU (alpha drawn per channel, some axes shared) over random shapes and calibration ranges."""
    import keras

    rng = np.random.default_rng(seed + 10)
    shape = random_frames(rng)
    shared = [k + 1 for k in range(len(shape) - 1) if rng.random() < 0.5] or None

    def make():
        keras.utils.set_random_seed(seed)
        prelu = keras.layers.PReLU(shared_axes=shared)
        model = layer_model(shape, prelu)
        prelu.set_weights([rng.uniform(-0.5, 1.5, prelu.get_weights()[0].shape).astype(np.float32)])
        return keras_tflite(model, seed=seed, scale=float(rng.uniform(0.3, 6)))

    check(cached(("PRELU", seed), make), seed=seed, expect=["PRELU"])


@pytest.mark.parametrize("variant", range(4))
@pytest.mark.parametrize("dtype", ["int8", "int16"])
def test_prelu_all_inputs_random_quant(dtype, variant):
    """Every input value against random int8 alphas, under random input, alpha and output quantisation
    (int16 inputs take int8 alphas, as in TFLM; the converter makes no int16 PRELU)."""
    rng = np.random.default_rng(variant * 7 + len(dtype))
    n = 256 if dtype == "int8" else 4096
    alpha = ("int8", (1, n), rng.integers(-128, 128, n), ([0.01], [0]))
    tfl = sweep_model("PRELU", dtype, consts=[alpha], seed=variant)
    quants = {"in": random_quant(rng, dtype), "out": random_quant(rng, dtype), "alpha": random_quant(rng, "int8")}
    sweep = INT8_SWEEP if dtype == "int8" else INT16_SWEEP
    check(requantised(tfl, quants), rows=len(sweep), fill={0: sweep}, expect=["PRELU"])


# ---------------------------------------------------------------- LEAKY_RELU


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("activations", ["int8", "int16"])
def test_leaky_relu_keras(activations, seed):
    import keras

    rng = np.random.default_rng(seed + 20)
    shape, slope = random_frames(rng), float(rng.uniform(0.01, 0.5))
    model = layer_model(shape, keras.layers.LeakyReLU(negative_slope=slope))
    tfl = cached(("LEAKY_RELU", activations, seed), lambda: keras_tflite(model, activations, seed, rng.uniform(0.3, 6)))
    check(tfl, seed=seed, expect=["LEAKY_RELU"])


@pytest.mark.parametrize("alpha", [-0.7, -0.25, 0.0, 0.2, 1.0, 3.5])
@pytest.mark.parametrize("dtype", ["int8", "int16"])
def test_leaky_relu_all_inputs_random_quant(dtype, alpha):
    """Every input value for alphas of either sign, zero and above one, under random quantisation."""
    rng = np.random.default_rng(int(alpha * 100) + 1000 + len(dtype))
    tfl = sweep_model("LEAKY_RELU", dtype, options=op_options("LeakyRelu", alpha=alpha))
    quants = {"in": random_quant(rng, dtype), "out": random_quant(rng, dtype)}
    sweep = INT8_SWEEP if dtype == "int8" else INT16_SWEEP
    check(requantised(tfl, quants), rows=len(sweep), fill={0: sweep}, expect=["LEAKY_RELU"])


# ---------------------------------------------------------------- HARD_SWISH


@pytest.mark.parametrize("seed", range(3))
def test_hard_swish_keras(seed):
    import keras

    rng = np.random.default_rng(seed + 30)
    model = layer_model(random_frames(rng), keras.layers.Activation("hard_swish"))
    tfl = cached(("HARD_SWISH", seed), lambda: keras_tflite(model, seed=seed, scale=float(rng.uniform(0.5, 8))))
    check(tfl, seed=seed, expect=["HARD_SWISH"])


@pytest.mark.parametrize("variant", range(8))
def test_hard_swish_all_inputs_random_quant(variant):
    """Every int8 input under random input and output quantisation, input scales from 1e-3 (the reluish
    multiplier shifted right) to 0.5 (shifted left), output scales down to input_scale / 128."""
    rng = np.random.default_rng(variant + 40)
    s_in = float(np.exp(rng.uniform(np.log(1e-3), np.log(0.5))))
    s_out = s_in * float(np.exp(rng.uniform(np.log(1 / 100), np.log(4))))
    quants = {"in": (s_in, int(rng.integers(-128, 128))), "out": (s_out, int(rng.integers(-128, 128)))}
    check(requantised(sweep_model("HARD_SWISH", "int8"), quants), rows=1, fill={0: INT8_SWEEP}, expect=["HARD_SWISH"])


def test_hard_swish_refusals_match_tflm():
    """int16 HARD_SWISH and an output scale below input_scale / 128: TFLM cannot run them; hil refuses
    them when compiling, naming the node and what it wanted."""
    too_fine = requantised(sweep_model("HARD_SWISH", "int8"), {"in": (0.5, 0), "out": (0.001, 0)})
    for tfl, why in ((too_fine, "output scale"), (sweep_model("HARD_SWISH", "int16"), "int16")):
        with pytest.raises(HilError):
            golden(tfl, random_rows(tfl, 1, seed=0))
        with pytest.raises(ModelError, match=rf"node 0 \(HARD_SWISH\).*{why}"):
            compile_tflite(tfl)


# ---------------------------------------------------------------- MAXIMUM / MINIMUM


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("int16", [False, True])
@pytest.mark.parametrize("name", ["MAXIMUM", "MINIMUM"])
def test_maximum_minimum_broadcast(name, int16, seed):
    rng = np.random.default_rng(seed * 5 + len(name) + int16)
    a, b = broadcast_pair(rng)
    fn = tf.maximum if name == "MAXIMUM" else tf.minimum
    tfl = cached((name, int16, seed), lambda: convert(fn, [(1, *a), (1, *b)], seed=seed, int16=int16))
    assert name in op_names(tfl)
    check(tfl, seed=seed)


def test_maximum_with_unlike_quantisation_is_refused():
    tfl = to_tflite(one_op("MAXIMUM", "int8", [(1, 4), (1, 4)], [(1, 4)]))
    odd = edit(tfl, lambda m, sg: set_quant(sg.tensors[sg.operators[0].inputs[1]], 0.5, 7))
    with pytest.raises(ModelError, match=r"node 0 \(MAXIMUM\).*compares raw values"):
        compile_tflite(odd)


# ---------------------------------------------------------------- on the boards

BOARD_MODELS = {
    "PRELU": lambda: to_tflite(one_op("PRELU", "int8", [(1, 5, 4)], [(1, 5, 4)],
                                      consts=[("int8", (1, 1, 4), None, ([0.02], [3]))])),  # fmt: skip
    "int16 PRELU": lambda: to_tflite(one_op("PRELU", "int16", [(1, 5, 4)], [(1, 5, 4)],
                                            consts=[("int8", (4,), None, ([0.02], [0]))])),  # fmt: skip
    "LEAKY_RELU": lambda: convert(lambda x: tf.nn.leaky_relu(x, 0.2), [(1, 5, 7)], ranges=[2.0]),
    "int16 LEAKY_RELU": lambda: convert(lambda x: tf.nn.leaky_relu(x, 0.1), [(1, 5, 7)], int16=True),
    "HARD_SWISH": lambda: convert(lambda x: x * tf.nn.relu6(x + 3) / 6, [(1, 5, 7)], ranges=[4.0]),
    "MAXIMUM": lambda: convert(tf.maximum, [(1, 3, 4), (1, 1, 4)]),
    "int16 MINIMUM": lambda: convert(tf.minimum, [(1, 3, 4), (1, 3, 4)], int16=True),
}


@pytest.mark.parametrize("board", LINK_BOARDS)
def test_rectifiers_on_the_board_equal_tflm(board, stm32_elf, host_exe):
    check_on_board(board, BOARD_MODELS)
