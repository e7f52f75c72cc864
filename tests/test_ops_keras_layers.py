"""Keras' common layers, converted full-integer by hil.convert (int8, and the 16x8 mode where the
converter takes the layer), compiled and run by hil's simulator against TFLM, byte for byte; UpSampling,
which lowers to TILE (TFLM has no TILE kernel, TFLite's reference kernels none for this TILE version or
for int16), against numpy's repeat.

Each case names the ops the converter emits, so a converter that lowers a layer differently shows up
here first."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest

import keras  # noqa: E402

from hil.compile.compiler import compile_tflite  # noqa: E402
from hil.sim import Simulator  # noqa: E402
from tests.op_golden import assert_same, cached, check, keras_tflite, layer_model, op_names, random_rows  # noqa: E402

L = keras.layers


def _batch_norm(shape):
    bn = L.BatchNormalization()
    model = layer_model(shape, bn)
    rng = np.random.default_rng(5)
    gamma, beta, mean, var = (w.shape for w in bn.get_weights())
    bn.set_weights([rng.uniform(0.5, 1.5, gamma), rng.normal(0, 0.3, beta), rng.normal(0, 0.3, mean),
                    rng.uniform(0.5, 1.5, var)])  # fmt: skip
    return model


def _concatenate():
    a, b = keras.Input((4, 3)), keras.Input((4, 5))
    return keras.Model([a, b], L.Concatenate()([a, b]))


# name: (model maker, the ops it lowers to in int8, in int16 or None where the converter refuses int16)
LAYERS = {
    "Conv1D causal dilated": (lambda: layer_model((16, 4), L.Conv1D(6, 3, padding="causal", dilation_rate=2)),
                              ["PAD", "RESHAPE", "CONV_2D", "RESHAPE"], ["PAD", "RESHAPE", "CONV_2D", "RESHAPE"]),
    "Conv1D dilated same": (lambda: layer_model((16, 4), L.Conv1D(6, 3, padding="same", dilation_rate=2)),
                            ["RESHAPE", "CONV_2D", "RESHAPE"], ["RESHAPE", "CONV_2D", "RESHAPE"]),
    "Conv1D strided": (lambda: layer_model((15, 4), L.Conv1D(6, 3, strides=2)),
                       ["RESHAPE", "CONV_2D", "RESHAPE"], ["RESHAPE", "CONV_2D", "RESHAPE"]),
    "Conv2D dilated": (lambda: layer_model((8, 8, 3), L.Conv2D(4, 3, dilation_rate=2, padding="same")),
                       ["CONV_2D"], ["CONV_2D"]),
    "Conv2D strided": (lambda: layer_model((9, 9, 3), L.Conv2D(4, 3, strides=2)), ["CONV_2D"], ["CONV_2D"]),
    "BatchNormalization": (lambda: _batch_norm((8, 5)), ["MUL", "ADD"], ["MUL", "ADD"]),
    "PReLU": (lambda: layer_model((8, 5), L.PReLU(alpha_initializer="random_uniform")), ["PRELU"], None),
    "LeakyReLU": (lambda: layer_model((8, 5), L.LeakyReLU(negative_slope=0.2)), ["LEAKY_RELU"], ["LEAKY_RELU"]),
    "ReLU(max_value=3)": (lambda: layer_model((8, 5), L.ReLU(max_value=3.0)),
                          ["RELU", "MINIMUM", "RELU"], ["RELU", "QUANTIZE", "MINIMUM", "RELU"]),
    "ReLU(max_value=6)": (lambda: layer_model((8, 5), L.ReLU(max_value=6.0)), ["RELU6"], ["RELU6"]),
    "hard_swish": (lambda: layer_model((8, 5), L.Activation("hard_swish")), ["HARD_SWISH"], None),
    "swish": (lambda: layer_model((8, 5), L.Activation("swish")), ["LOGISTIC", "MUL"], ["LOGISTIC", "MUL"]),
    "Concatenate": (_concatenate, ["CONCATENATION"], ["QUANTIZE", "CONCATENATION"]),
    "Permute": (lambda: layer_model((4, 5, 6), L.Permute((3, 1, 2))), ["TRANSPOSE"], ["TRANSPOSE"]),
    "Reshape": (lambda: layer_model((4, 6), L.Reshape((3, 8))), ["RESHAPE"], ["RESHAPE"]),
    "Flatten": (lambda: layer_model((4, 6), L.Flatten()), ["RESHAPE"], ["RESHAPE"]),
    "UpSampling1D": (lambda: layer_model((6, 4), L.UpSampling1D(3)),
                     ["RESHAPE", "TILE", "RESHAPE"], ["RESHAPE", "TILE", "RESHAPE"]),
    "UpSampling2D": (lambda: layer_model((4, 5, 3), L.UpSampling2D((2, 3))),
                     ["RESHAPE", "TILE", "RESHAPE", "TILE", "RESHAPE"],
                     ["RESHAPE", "TILE", "RESHAPE", "TILE", "RESHAPE"]),
    "Resizing nearest": (lambda: layer_model((4, 5, 3), L.Resizing(7, 9, interpolation="nearest")),
                         ["RESIZE_NEAREST_NEIGHBOR"], ["RESIZE_NEAREST_NEIGHBOR"]),
    "GlobalMaxPooling1D": (lambda: layer_model((8, 4), L.GlobalMaxPooling1D()), ["REDUCE_MAX"], ["REDUCE_MAX"]),
    "GlobalMaxPooling2D": (lambda: layer_model((4, 4, 3), L.GlobalMaxPooling2D(keepdims=True)),
                           ["REDUCE_MAX"], ["REDUCE_MAX"]),
    "GlobalAveragePooling1D": (lambda: layer_model((8, 4), L.GlobalAveragePooling1D()), ["MEAN"], ["MEAN"]),
    "MaxPooling1D": (lambda: layer_model((8, 4), L.MaxPooling1D(2)),
                     ["RESHAPE", "MAX_POOL_2D", "RESHAPE"], ["RESHAPE", "MAX_POOL_2D", "RESHAPE"]),
    "AveragePooling1D": (lambda: layer_model((9, 4), L.AveragePooling1D(3, strides=2)),
                         ["RESHAPE", "AVERAGE_POOL_2D", "RESHAPE"], ["RESHAPE", "AVERAGE_POOL_2D", "RESHAPE"]),
}  # fmt: skip

UPSAMPLING = {"UpSampling1D": (3,), "UpSampling2D": (2, 3)}


# a layer whose int16 ops are None has no 16x8 form in the converter (PReLU, hard_swish): int8 only
CASES = [(layer, acts) for layer in sorted(LAYERS) for acts, ops in zip(("int8", "int16"), LAYERS[layer][1:])
         if ops is not None]  # fmt: skip


@pytest.mark.parametrize("layer,activations", CASES)
def test_keras_layer(layer, activations):
    make, int8_ops, int16_ops = LAYERS[layer]
    want_ops = int8_ops if activations == "int8" else int16_ops
    tfl = cached((layer, activations), lambda: keras_tflite(make(), activations, scale=2.0))
    assert op_names(tfl) == want_ops
    if layer in UPSAMPLING:
        (x,) = random_rows(tfl, 4, seed=1)
        want = x
        for axis, factor in enumerate(UPSAMPLING[layer]):
            want = np.repeat(want, factor, axis=axis + 2)  # rows, batch, then the layer's axes
        assert_same(Simulator(compile_tflite(tfl).blob).run(x), [want.reshape(len(x), -1)], f"{layer} {activations}")
        return
    check(tfl, seed=1)

