"""The model gallery: public TinyML architectures built in-tree with Keras, seeded, converted to int8.

MLPerf Tiny's reference models (mlcommons/tiny, training/*/keras_model.py), rebuilt layer for layer
with random weights (the figures hil measures, cost and bit-exactness, do not depend on training):
- `ds-cnn-kws`: keyword spotting DS-CNN, 49x10 MFCC input, 12 classes
- `resnet8-ic`: CIFAR-10 ResNet-8, 32x32x3
- `fc-ae-ad`: the anomaly-detection autoencoder, 640 -> 128 x4 -> 8 -> 128 x4 -> 640 (about 270 KB int8)
- `mobilenet-v1-vww`: MobileNetV1 alpha 0.25, 96x96x3, 2 classes
plus `tcn-causal`: a causal, dilated Conv1D TCN of the kind speech enhancers are built from.

Each is converted once per seed and cached in ~/.cache/hil/gallery (the bytes are deterministic).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from hil.errors import ConfigError
from hil.paths import cache_dir

CALIB_ROWS = 16


def _layers():
    import keras

    return keras.layers


def _bn_relu(x):
    L = _layers()
    return L.ReLU()(L.BatchNormalization()(x))


def ds_cnn_kws():
    import keras

    L = _layers()
    x_in = keras.Input((49, 10, 1))
    x = _bn_relu(L.Conv2D(64, (10, 4), strides=(2, 2), padding="same", use_bias=True)(x_in))
    for _ in range(4):
        x = _bn_relu(L.DepthwiseConv2D((3, 3), padding="same")(x))
        x = _bn_relu(L.Conv2D(64, (1, 1), padding="same")(x))
    x = L.AveragePooling2D(pool_size=(25, 5))(x)
    x = L.Dense(12, activation="softmax")(L.Flatten()(x))
    return keras.Model(x_in, x, name="ds_cnn_kws")


def _res_block(x, filters: int, stride: int):
    L = _layers()
    y = _bn_relu(L.Conv2D(filters, 3, strides=stride, padding="same")(x))
    y = L.BatchNormalization()(L.Conv2D(filters, 3, padding="same")(y))
    if stride != 1:
        x = L.Conv2D(filters, 1, strides=stride, padding="same")(x)
    return L.ReLU()(L.Add()([x, y]))


def resnet8_ic():
    import keras

    L = _layers()
    x_in = keras.Input((32, 32, 3))
    x = _bn_relu(L.Conv2D(16, 3, padding="same")(x_in))
    x = _res_block(x, 16, 1)
    x = _res_block(x, 32, 2)
    x = _res_block(x, 64, 2)
    x = L.AveragePooling2D(pool_size=8)(x)
    x = L.Dense(10, activation="softmax")(L.Flatten()(x))
    return keras.Model(x_in, x, name="resnet8_ic")


def fc_ae_ad():
    import keras

    L = _layers()
    x_in = keras.Input((640,))
    x = x_in
    for units in (128, 128, 128, 128, 8, 128, 128, 128, 128):
        x = _bn_relu(L.Dense(units)(x))
    return keras.Model(x_in, L.Dense(640)(x), name="fc_ae_ad")


def mobilenet_v1_vww(alpha: float = 0.25):
    import keras

    L = _layers()
    x_in = keras.Input((96, 96, 3))
    x = _bn_relu(L.Conv2D(int(32 * alpha), 3, strides=2, padding="same", use_bias=False)(x_in))
    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    for filters, stride in plan:
        x = _bn_relu(L.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(x))
        x = _bn_relu(L.Conv2D(int(filters * alpha), 1, use_bias=False)(x))
    x = L.AveragePooling2D(pool_size=3)(x)
    x = L.Dense(2, activation="softmax")(L.Flatten()(x))
    return keras.Model(x_in, x, name="mobilenet_v1_vww")


def tcn_causal(channels: int = 32, frames: int = 32, features: int = 40):
    import keras

    L = _layers()
    x_in = keras.Input((frames, features))
    x = L.Conv1D(channels, 1)(x_in)
    for dilation in (1, 2, 4, 8):
        y = L.Conv1D(channels, 3, padding="causal", dilation_rate=dilation)(x)
        y = L.PReLU(shared_axes=[1])(L.BatchNormalization()(y))
        x = L.Add()([x, y])
    x = L.Conv1D(features, 1, activation="sigmoid")(x)
    return keras.Model(x_in, x, name="tcn_causal")


GALLERY = {
    "ds-cnn-kws": ds_cnn_kws,
    "resnet8-ic": resnet8_ic,
    "fc-ae-ad": fc_ae_ad,
    "mobilenet-v1-vww": mobilenet_v1_vww,
    "tcn-causal": tcn_causal,
}


def _cache_dir() -> Path:
    return cache_dir() / "gallery"


def build(name: str, seed: int = 0):
    """The Keras model `name` with seeded random weights (BatchNorm statistics drawn too, so it folds
    into something other than the identity)."""
    if name not in GALLERY:
        raise ConfigError(f"gallery model: wanted one of {', '.join(GALLERY)}, got '{name}'")
    import keras

    keras.utils.set_random_seed(seed)
    model = GALLERY[name]()
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, var = (np.asarray(w) for w in layer.get_weights())
            layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape).astype(np.float32),
                               rng.normal(0, 0.1, beta.shape).astype(np.float32),
                               rng.normal(0, 0.1, mean.shape).astype(np.float32),
                               rng.uniform(0.5, 1.5, var.shape).astype(np.float32)])  # fmt: skip
    return model


def calib_rows(model, seed: int = 0) -> np.ndarray:
    shape = tuple(model.inputs[0].shape[1:])
    return np.random.default_rng(seed + 1).normal(size=(CALIB_ROWS, *shape)).astype(np.float32)


def tflite(name: str, seed: int = 0, activations: str = "int8") -> bytes:
    """The int8 (or 16x8) TFLite of gallery model `name`, converted once and cached."""
    path = _cache_dir() / f"{name}-s{seed}-{activations}.tflite"
    if path.is_file():
        return path.read_bytes()
    from hil.convert.keras_to_tflite import convert_model

    model = build(name, seed)
    data = convert_model(model, calib_rows(model, seed), activations=activations, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{hashlib.sha1(data).hexdigest()[:8]}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return data
