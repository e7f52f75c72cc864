"""PAD / AVERAGE_POOL_2D / MAX_POOL_2D as the TFLite converter emits them from Keras layers, in the
gallery's DS-CNN, and on the boards: the emulated NUCLEO (the M4 instructions themselves) and the
host build, reference and optimised kernels, against TFLM bit for bit."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest

import tensorflow as tf

from hil.compile import synth  # noqa: E402
from hil.compile.compiler import compile_tflite  # noqa: E402
from hil.compile.tflite import read_tflite  # noqa: E402
from hil.step.reference import run_tflm  # noqa: E402
from tests.graphs import to_tflite  # noqa: E402
from tests.test_ops_pool import agree, assert_same, requantise, rows_for  # noqa: E402
from tests.conftest import LINK_BOARDS  # noqa: E402

L = tf.keras.layers
_rng = np.random.default_rng(20261130)


def _r(lo: int, hi: int) -> int:
    return int(_rng.integers(lo, hi + 1))


# name -> (input shape without batch, layers, int16, the ops the converter must emit)
CASES = {
    "avg_same_s2": ((_r(7, 12), _r(7, 12), _r(3, 9)), lambda: [L.AveragePooling2D(3, strides=2, padding="same")],
                    False, ["AVERAGE_POOL_2D"]),
    "avg_valid": ((_r(6, 11), _r(6, 11), _r(2, 9)), lambda: [L.AveragePooling2D((2, 3), strides=(1, 2))],
                  False, ["AVERAGE_POOL_2D"]),
    "avg_relu": ((_r(6, 9), _r(6, 9), _r(4, 12)), lambda: [L.AveragePooling2D(2), L.ReLU()], False,
                 ["AVERAGE_POOL_2D"]),  # the ReLU fused into the pool
    "max_2x2": ((_r(6, 12), _r(6, 12), _r(3, 17)), lambda: [L.MaxPooling2D(2)], False, ["MAX_POOL_2D"]),
    "max_same": ((_r(7, 11), _r(7, 11), _r(5, 12)), lambda: [L.MaxPooling2D(3, strides=2, padding="same")],
                 False, ["MAX_POOL_2D"]),
    "zero_padding": ((_r(3, 7), _r(3, 7), _r(2, 5)), lambda: [L.ZeroPadding2D(((1, 2), (0, 3)))], False, ["PAD"]),
    "causal_conv1d_d2": ((_r(16, 30), _r(3, 8)),
                         lambda: [L.Conv1D(_r(3, 8), 3, padding="causal", dilation_rate=2)], False,
                         ["PAD", "RESHAPE", "CONV_2D", "RESHAPE"]),
    "global_average": ((_r(3, 7), _r(3, 7), _r(3, 9)), lambda: [L.GlobalAveragePooling2D()], False, ["MEAN"]),
    "avg_16x8": ((_r(6, 10), _r(6, 10), _r(2, 7)), lambda: [L.AveragePooling2D(3, strides=2, padding="same")],
                 True, ["AVERAGE_POOL_2D"]),
    "max_16x8": ((_r(6, 10), _r(6, 10), _r(2, 7)), lambda: [L.MaxPooling2D(2)], True, ["MAX_POOL_2D"]),
    "zero_padding_16x8": ((_r(3, 6), _r(3, 6), _r(2, 5)), lambda: [L.ZeroPadding2D((2, 1))], True, ["PAD"]),
}  # fmt: skip


def convert(shape: tuple, layers, int16: bool, seed: int) -> bytes:
    """Batch 1, so that the converter folds a dilation into the conv instead of SPACE_TO_BATCH_ND around it."""
    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.Sequential([tf.keras.Input(shape, batch_size=1), *layers()])
    calib = np.random.default_rng(seed).normal(size=(16, 1, *shape)).astype(np.float32)
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([c] for c in calib)
    ops = tf.lite.OpsSet
    conv.target_spec.supported_ops = [ops.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8 if int16
                                      else ops.TFLITE_BUILTINS_INT8]  # fmt: skip
    conv.inference_input_type = conv.inference_output_type = tf.int16 if int16 else tf.int8
    return conv.convert()


@pytest.fixture(scope="module")
def keras_models() -> dict:
    return {name: convert(shape, layers, int16, seed=300 + i)
            for i, (name, (shape, layers, int16, _)) in enumerate(CASES.items())}  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_keras_layers_agree_with_tflm(keras_models, name):
    tfl = keras_models[name]
    ops = read_tflite(tfl).ops
    assert [o.name for o in ops] == CASES[name][3], f"{name}: the converter emitted {[o.name for o in ops]}"
    if name == "avg_relu":
        assert ops[0].options.fusedActivationFunction == 1  # RELU
    agree(tfl, name, rows=8, seed=len(name))


@pytest.mark.slow
def test_gallery_ds_cnn_compiles_and_agrees_with_tflm():
    from hil.bench.gallery import tflite

    tfl = tflite("ds-cnn-kws")
    assert "AVERAGE_POOL_2D" in [o["op"] for o in compile_tflite(tfl).ops]
    agree(tfl, "ds-cnn-kws", rows=4)


# ---------------------------------------------------------------- the boards

BOARD_GRAPHS = {
    "average 3x3/2 SAME": lambda: synth.pool2d(9, 9, 13, k=(3, 3), same=True, activation=1),
    "average 25x5 (DS-CNN)": lambda: synth.pool2d(25, 5, 20, k=(25, 5), stride=(25, 5)),
    "average of 300 taps": lambda: synth.pool2d(2, 150, 6, k=(2, 150), stride=(1, 1)),
    "max 2x2": lambda: synth.pool2d(10, 8, 12, kind="MAX_POOL_2D"),
    "max 3x3/2 SAME RELU6": lambda: synth.pool2d(7, 9, 9, k=(3, 3), same=True, kind="MAX_POOL_2D", activation=3),
    "int16 average": lambda: synth.pool2d(6, 6, 5, k=(3, 3), stride=(1, 1), dtype="int16"),
    "int16 max": lambda: synth.pool2d(6, 7, 5, k=(2, 3), stride=(2, 1), kind="MAX_POOL_2D", dtype="int16"),
    "pad": lambda: synth.pad((1, 5, 4, 3), [(0, 0), (1, 2), (0, 1), (2, 0)]),
    "int16 padv2": lambda: requantise(synth.pad((1, 6, 5), [(0, 0), (3, 0), (1, 1)], "int16", -1234), 3e-4, 0),
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("board", LINK_BOARDS)
def test_boards_agree_with_tflm(board, stm32_elf, host_exe):
    from tests.conftest import open_board

    with open_board(board) as s:
        for name, make in BOARD_GRAPHS.items():
            tfl = to_tflite(make())
            cm = compile_tflite(tfl)
            x = rows_for(cm, 3, seed=len(name))
            want = run_tflm(tfl, [x.reshape(len(x), *cm.inputs[0].shape[1:])])[0]
            s.upload_model(cm.blob)
            for reference in (True, False):
                got = [np.frombuffer(s.invoke(row.tobytes(), reference=reference)[1], cm.outputs[0].dtype) for row in x]
                assert_same(f"{name} on {board} ({'reference' if reference else 'optimised'}) vs TFLM",
                            np.stack(got), want)  # fmt: skip
