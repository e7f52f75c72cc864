"""Keras model -> full-integer TFLite flatbuffer.

int8: int8 weights (per-channel where TFLite supports it), int8 activations, int8 inputs and outputs.
int16: the 16x8 mode (int16 activations, int8 weights), int16 inputs and outputs.
The model is rebuilt with a batch of 1 before conversion (static shapes for TFLM; it also lets the
converter fold dilated depthwise convolutions into one DEPTHWISE_CONV_2D). Calibration rows come from
`calib`: an array of rows for a one-input model, or a dict keyed by input name (a structured .npy
array with one field per input works too). Recurrent Keras layers are refused: they lower to a WHILE
loop that the calibrator crashes on; export them single-step with hil.convert.streaming first.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from hil.errors import ConfigError, HilError

ACTIVATIONS = ("int8", "int16")


def _tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    return tf


def resolve_model(model: str | os.PathLike) -> Path:
    """A .keras file path, or the model.keras of a zoo model name."""
    text = str(model)
    path = Path(text)
    if path.suffix == ".keras" or os.sep in text or path.exists():
        if not path.is_file():
            raise ConfigError(f"model '{text}': wanted an existing .keras file, got no such file")
        if path.suffix != ".keras":
            raise ConfigError(f"model '{text}': wanted a .keras file, got a '{path.suffix or 'no'}' suffix")
        return path
    from hil.zoo import zoo_path

    return zoo_path(text) / "model.keras"


def load_model(model: str | os.PathLike):
    """The Keras model of a .keras path or zoo name (not compiled)."""
    path = resolve_model(model)
    _tf()
    import keras

    try:
        return keras.models.load_model(path, compile=False)
    except Exception as exc:
        raise ConfigError(f"model '{path}': wanted a loadable .keras file, got {type(exc).__name__}: {exc}") from None


def input_names(model) -> list[str]:
    return [t.name for t in model.inputs]


def _refuse_recurrent(model) -> None:
    import keras

    def walk(m):
        for layer in getattr(m, "layers", []):
            yield layer
            yield from walk(layer)

    for layer in walk(model):
        if isinstance(layer, keras.layers.RNN):
            raise ConfigError(
                f"model '{model.name}': wanted no recurrent layers (they lower to WHILE, which crashes the "
                f"calibrator), got {type(layer).__name__} '{layer.name}'; export it single-step with "
                "hil.convert.streaming.gru_step_model"
            )


def _batch1(model):
    """The same model (same weights) with every input's batch fixed to 1."""
    import keras

    def fixed(t):
        return keras.Input(t.shape[1:], batch_size=1, name=t.name, dtype=t.dtype)

    try:
        clone = keras.models.clone_model(model, input_tensors=keras.tree.map_structure(fixed, model.input))
    except (ValueError, TypeError, AttributeError) as exc:
        raise ConfigError(f"model '{model.name}': wanted a functional or Sequential Keras model, got {exc}") from None
    clone.set_weights(model.get_weights())
    return clone


def calib_arrays(model, calib) -> dict[str, np.ndarray]:
    """Calibration rows per input name, float32, each (N, *input_shape[1:]); ConfigError otherwise."""
    names = input_names(model)
    if isinstance(calib, np.ndarray) and calib.dtype.names:
        calib = {k: calib[k] for k in calib.dtype.names}
    if not isinstance(calib, dict):
        if len(names) != 1:
            raise ConfigError(
                f"calib: wanted a dict keyed by input names {names}, got an array of shape {np.shape(calib)}"
            )
        calib = {names[0]: calib}
    if sorted(calib) != sorted(names):
        raise ConfigError(f"calib: wanted arrays for inputs {sorted(names)}, got {sorted(calib)}")
    out = {}
    for t in model.inputs:
        arr = np.asarray(calib[t.name])
        want = tuple(t.shape[1:])
        if arr.ndim != len(want) + 1 or arr.shape[1:] != want or len(arr) == 0:
            raise ConfigError(
                f"calib for input '{t.name}': wanted shape (N, {', '.join(map(str, want))}) with N >= 1, "
                f"got {arr.shape}"
            )
        if not np.issubdtype(arr.dtype, np.number) or not np.all(np.isfinite(arr)):
            raise ConfigError(f"calib for input '{t.name}': wanted finite numbers, got dtype {arr.dtype}")
        out[t.name] = arr.astype(np.float32)
    if len({len(a) for a in out.values()}) != 1:
        counts = {k: len(a) for k, a in out.items()}
        raise ConfigError(f"calib: wanted the same number of rows per input, got {counts}")
    return out


def load_calib(path: str | os.PathLike) -> np.ndarray | dict[str, np.ndarray]:
    """Calibration data from .npy (plain or structured array) or .npz (one array per input name)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"calib '{p}': wanted an existing .npy or .npz file, got no such file")
    try:
        if p.suffix == ".npz":
            with np.load(p, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        return np.load(p, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"calib '{p}': wanted a numpy .npy/.npz file, got {type(exc).__name__}: {exc}") from None


def convert_model(model, calib, activations: str = "int8", seed: int = 0) -> bytes:
    """A loaded Keras model -> full-integer TFLite flatbuffer bytes."""
    if activations not in ACTIVATIONS:
        raise ConfigError(f"activations: wanted one of {', '.join(ACTIVATIONS)}, got '{activations}'")
    tf = _tf()
    import keras

    _refuse_recurrent(model)
    rows = calib_arrays(model, calib)
    keras.utils.set_random_seed(seed)
    n = len(next(iter(rows.values())))

    def representative():
        for i in range(n):
            yield {k: a[i : i + 1] for k, a in rows.items()}

    conv = tf.lite.TFLiteConverter.from_keras_model(_batch1(model))
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    if activations == "int8":
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = conv.inference_output_type = tf.int8
    else:
        conv.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
        conv.inference_input_type = conv.inference_output_type = tf.int16
    # per-channel weights for FULLY_CONNECTED too (conv layers are per-channel by default); TFLM runs them
    conv._experimental_disable_per_channel_quantization_for_dense_layers = False
    try:
        return _quiet(conv.convert)
    except Exception as exc:  # the converter's errors are long; keep their first line
        first = next((ln for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        raise HilError(
            f"model '{model.name}': wanted a {activations} TFLite conversion, got converter error: {first}"
        ) from None


def _quiet(fn):
    """Run fn with the converter's Python warnings and stdout chatter (saved-artifact listings) hidden,
    and its C++ prints to file descriptors 1 and 2 ("fully_quantize: 0, ..."); its errors still arrive
    as exceptions."""
    import contextlib
    import io
    import sys
    import warnings

    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            return fn()
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


def convert(
    model_path_or_zoo_name: str | os.PathLike,
    calib: np.ndarray | dict[str, np.ndarray],
    out_path: str | os.PathLike,
    activations: str = "int8",
    seed: int = 0,
) -> Path:
    """Convert a .keras file or zoo model to a full-integer .tflite at out_path; returns out_path. A model
    whose folder's card.json names its speech chain carries it as `hil_chain` metadata (hil.dsp.identity)."""
    from hil.dsp.identity import card_chain, with_chain

    if activations not in ACTIVATIONS:
        raise ConfigError(f"activations: wanted one of {', '.join(ACTIVATIONS)}, got '{activations}'")
    chain = card_chain(resolve_model(model_path_or_zoo_name).parent)  # a bad chain stops before the work
    data = convert_model(load_model(model_path_or_zoo_name), calib, activations, seed)
    data = data if chain is None else with_chain(data, chain)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out
