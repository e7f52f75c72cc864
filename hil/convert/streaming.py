"""Streaming recurrent models: a GRU trained on sequences, exported as one step.

A Keras GRU layer lowers to a WHILE loop, which the int8 calibrator and TFLM cannot take.
`gru_step_model` rebuilds a trained `Input -> Dense* -> GRU -> Dense*` model as a single-step
model whose GRU state is an explicit input and output, written with plain Keras layers
(Dense, Activation, Add, Subtract, Multiply) so it lowers to builtin FULLY_CONNECTED, LOGISTIC,
TANH, MUL, ADD and SUB ops. The int8 model quantizes the state input and the state output with
different scales: `requantize` maps one to the other between steps, and `step_io` finds which
TFLite tensor plays which role, since the converter may rename and reorder them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hil.errors import ConfigError

FEATURES, STATE, MASK, STATE_OUT = "features", "state", "mask", "state_out"


def _keras():
    import keras

    return keras


def _split_layers(model):
    """(dense layers before the GRU, the GRU, dense layers after it); ConfigError otherwise."""
    keras = _keras()
    before, gru, after = [], None, []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.layers.GRU):
            if gru is not None:
                raise ConfigError(f"model '{model.name}': wanted one GRU layer, got more than one")
            gru = layer
        elif isinstance(layer, keras.layers.Dense):
            (after if gru is not None else before).append(layer)
        else:
            raise ConfigError(
                f"model '{model.name}': wanted only Dense and GRU layers, got {type(layer).__name__} '{layer.name}'"
            )
    if gru is None:
        raise ConfigError(f"model '{model.name}': wanted a GRU layer, got none")
    return before, gru, after


def _check_gru(gru) -> None:
    acts = (gru.cell.activation.__name__, gru.cell.recurrent_activation.__name__)
    if acts != ("tanh", "sigmoid") or not gru.return_sequences or not gru.cell.use_bias:
        raise ConfigError(
            f"GRU '{gru.name}': wanted tanh/sigmoid activations, use_bias and return_sequences=True, "
            f"got activations {acts}, use_bias={gru.cell.use_bias}, return_sequences={gru.return_sequences}"
        )


def _copy_dense(layer, x, name):
    keras = _keras()
    new = keras.layers.Dense(layer.units, activation=layer.activation, use_bias=layer.use_bias, name=name)
    y = new(x)
    new.set_weights(layer.get_weights())
    return y


def _dense(x, kernel, bias, name):
    keras = _keras()
    layer = keras.layers.Dense(kernel.shape[1], use_bias=bias is not None, name=name)
    y = layer(x)
    layer.set_weights([kernel] if bias is None else [kernel, bias])
    return y


def _gru_cell(x, h, gru):
    """One GRU step in plain layers; the same math as keras.layers.GRUCell (both reset_after modes)."""
    keras = _keras()
    L = keras.layers
    kernel, rkernel, bias = (np.asarray(w) for w in gru.get_weights())
    n = gru.units
    gate = {g: slice(i * n, (i + 1) * n) for i, g in enumerate("zrh")}
    b_in, b_rec = (bias[0], bias[1]) if gru.cell.reset_after else (bias, np.zeros_like(bias))
    zr = {}
    for g in "zr":
        s = gate[g]
        pre = L.Add(name=f"gru_{g}_pre")(
            [_dense(x, kernel[:, s], b_in[s] + b_rec[s], f"gru_{g}_x"), _dense(h, rkernel[:, s], None, f"gru_{g}_h")]
        )
        zr[g] = L.Activation("sigmoid", name=f"gru_{g}")(pre)
    s = gate["h"]
    x_h = _dense(x, kernel[:, s], b_in[s], "gru_h_x")
    if gru.cell.reset_after:
        rec_h = L.Multiply(name="gru_reset")([zr["r"], _dense(h, rkernel[:, s], b_rec[s], "gru_h_h")])
    else:
        rec_h = _dense(L.Multiply(name="gru_reset")([zr["r"], h]), rkernel[:, s], None, "gru_h_h")
    hh = L.Activation("tanh", name="gru_cand")(L.Add(name="gru_h_pre")([x_h, rec_h]))
    # h' = z*h + (1-z)*hh  ==  hh + z*(h - hh): no constant tensor needed
    delta = L.Multiply(name="gru_update")([zr["z"], L.Subtract(name="gru_diff")([h, hh])])
    return L.Add(name=STATE_OUT)([hh, delta])


def gru_step_model(trained, name: str | None = None):
    """The single-step float model of a trained sequence model `Input(T, F) -> Dense* -> GRU -> Dense*`.

    Inputs [features (F,), state (H,)]; outputs [mask (last Dense), state_out (H,)]. The weights are copied."""
    keras = _keras()
    before, gru, after = _split_layers(trained)
    _check_gru(gru)
    n_features = trained.inputs[0].shape[-1]
    x_in = keras.Input((n_features,), name=FEATURES)
    h_in = keras.Input((gru.units,), name=STATE)
    x = x_in
    for i, layer in enumerate(before):
        x = _copy_dense(layer, x, f"pre_{i}")
    h_out = _gru_cell(x, h_in, gru)
    y = h_out
    for i, layer in enumerate(after):
        y = _copy_dense(layer, y, MASK if i == len(after) - 1 else f"post_{i}")
    if not after:
        raise ConfigError(f"model '{trained.name}': wanted a Dense output layer after the GRU, got none")
    return keras.Model([x_in, h_in], [y, h_out], name=name or f"{trained.name}_step")


def run_steps_float(step_model, features: np.ndarray, state: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Run a float step model over a (T, F) sequence: the masks (T, M) and the final state."""
    h = np.zeros((1, step_model.inputs[1].shape[-1]), np.float32) if state is None else state.reshape(1, -1)
    masks = []
    for frame in features.astype(np.float32):
        mask, h = step_model([frame[None], h], training=False)
        masks.append(np.asarray(mask)[0])
        h = np.asarray(h)
    return np.stack(masks), h[0]


def requantize(q: np.ndarray, from_scale: float, from_zp: int, to_scale: float, to_zp: int, dtype) -> np.ndarray:
    """Integer values in one quantization (state_out) to another (state_in): round half away, saturate."""
    from hil.convert.tflm import round_half_away

    real = (np.asarray(q, np.float64) - from_zp) * from_scale
    lim = np.iinfo(dtype)
    return np.clip(round_half_away(real / to_scale) + to_zp, lim.min, lim.max).astype(dtype)


@dataclass(frozen=True)
class StepIO:
    """Which TFLite input/output plays which role in a single-step recurrent model."""

    features: object  # TensorInfo of the feature input
    state: object  # TensorInfo of the state input
    mask: object  # TensorInfo of the mask output
    state_out: object  # TensorInfo of the new-state output


def _info_of(model):
    from hil.convert.tflm import ModelInfo, model_info

    if isinstance(model, ModelInfo):
        return model
    if isinstance(model, (bytes, bytearray, memoryview)):
        return model_info(bytes(model))
    if hasattr(model, "_get_full_signature_list"):  # a tf.lite.Interpreter
        return _interpreter_info(model)
    raise ConfigError(f"step_io: wanted TFLite bytes, a ModelInfo or a tf.lite.Interpreter, got {type(model).__name__}")


def _interpreter_info(interp):
    from hil.convert.tflm import ModelInfo, TensorInfo

    def infos(details):
        return [
            TensorInfo(i, d["index"], d["name"], tuple(int(x) for x in d["shape"]), d["dtype"], float(scale), int(zp))
            for i, d in enumerate(details)
            for scale, zp in [d["quantization"]]
        ]

    ins, outs = infos(interp.get_input_details()), infos(interp.get_output_details())
    producers = {int(t): op["op_name"] for op in interp._get_ops_details() for t in op["outputs"]}
    sig = next(iter(interp._get_full_signature_list().values()), {"inputs": {}, "outputs": {}})
    pos_in, pos_out = {t.tensor: t.position for t in ins}, {t.tensor: t.position for t in outs}
    return ModelInfo(
        ins, outs, [], producers,
        {k: pos_in[v] for k, v in sig["inputs"].items()}, {k: pos_out[v] for k, v in sig["outputs"].items()},
    )


def _by_name(tensors, sig: dict, names: tuple[str, str]):
    """(first role, second role) from signature names, else from tensor names containing 'state'."""
    a, b = names
    if a in sig and b in sig:
        return tensors[sig[a]], tensors[sig[b]]
    stateful = [t for t in tensors if "state" in t.name]
    if len(stateful) == 1:
        other = next(t for t in tensors if t is not stateful[0])
        return (other, stateful[0]) if b.startswith("state") else (stateful[0], other)
    return None


def step_io(interpreter_or_tflite_bytes) -> StepIO:
    """Map a single-step model's TFLite inputs/outputs to features, state, mask and state_out.

    By signature names first (inputs 'features'/'state'; outputs 'mask'/'state_out', or
    'output_0'/'output_1' in the Keras order [mask, state_out] that gru_step_model builds), then by
    tensor names, then by the op that writes each output (the new state comes from ADD)."""
    info = _info_of(interpreter_or_tflite_bytes)
    if len(info.inputs) != 2 or len(info.outputs) != 2:
        raise ConfigError(
            f"step model: wanted 2 inputs and 2 outputs (features, state -> mask, state), "
            f"got {len(info.inputs)} inputs and {len(info.outputs)} outputs"
        )
    found_in = _by_name(info.inputs, info.signature_inputs, (FEATURES, STATE))
    sig_out = dict(info.signature_outputs)
    if "output_0" in sig_out and "output_1" in sig_out:
        sig_out.setdefault(MASK, sig_out["output_0"])
        sig_out.setdefault(STATE_OUT, sig_out["output_1"])
    found_out = _by_name(info.outputs, sig_out, (MASK, STATE_OUT))
    if found_out is None:
        adds = [t for t in info.outputs if info.producers.get(t.tensor) == "ADD"]
        if len(adds) == 1:
            found_out = (next(t for t in info.outputs if t is not adds[0]), adds[0])
    if found_in is None or found_out is None:
        names = [t.name for t in info.inputs + info.outputs]
        raise ConfigError(f"step model: wanted inputs/outputs named by signature or 'state', got tensors {names}")
    roles = StepIO(*found_in, *found_out)
    if roles.state.shape != roles.state_out.shape:
        raise ConfigError(
            f"step model: wanted state in and out of one shape, got {roles.state.shape} and {roles.state_out.shape}"
        )
    return roles


def stream_loop(runner, info, features: np.ndarray) -> list[np.ndarray]:
    """Run quantized (T, F) features one step at a time, feeding the requantized state back.

    Starts from the zero state; returns [masks (T, ...), new states (T, ...) in state_out's quantization]."""
    io = step_io(info)
    h = np.full(io.state.shape, io.state.zero_point, io.state.dtype)
    masks, states = [], []
    for frame in features:
        runner.set(io.features.position, np.ascontiguousarray(frame.reshape(io.features.shape)))
        runner.set(io.state.position, h)
        runner.invoke()
        masks.append(np.array(runner.get(io.mask.position)).reshape(io.mask.shape[1:]))
        s = np.array(runner.get(io.state_out.position))
        states.append(s.reshape(io.state_out.shape[1:]))
        out, inp = io.state_out, io.state
        h = requantize(s, out.scale, out.zero_point, inp.scale, inp.zero_point, inp.dtype).reshape(inp.shape)
    return [np.stack(masks), np.stack(states)]


def run_stream(tflite_bytes: bytes, features: np.ndarray, engine: str = "tflm", arena_bytes: int | None = None):
    """A single-step model over quantized (T, F) features: [masks, states] from TFLM or the TFLite reference."""
    from hil.convert import tflm

    info = tflm.model_info(tflite_bytes)
    io = step_io(info)
    (rows,), _ = tflm.check_inputs([features], [io.features])
    if engine == "ref":
        return stream_loop(tflm.ref_runner(tflite_bytes), info, rows)
    if engine != "tflm":
        raise ConfigError(f"engine: wanted 'tflm' or 'ref', got '{engine}'")
    return tflm.spawn_tflm(tflite_bytes, [rows], 2, "stream", arena_bytes, tflm.DEFAULT_TIMEOUT_S)
