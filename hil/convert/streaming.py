"""Streaming recurrent models: a GRU trained on sequences, exported as one step.

A Keras GRU layer lowers to a WHILE loop, which the int8 calibrator and TFLM cannot take.
`gru_step_model` rebuilds a trained `Input -> Dense* -> GRU -> Dense* [-> GRU -> Dense*]...` model as
a single-step model whose GRU states are explicit inputs and outputs, written with plain Keras layers
(Dense, Activation, Add, Subtract, Multiply) so it lowers to builtin FULLY_CONNECTED, LOGISTIC,
TANH, MUL, ADD and SUB ops, its inputs and outputs named for hil.step.roles. Running it step by
step, with the state requantised between steps, is hil.step's job.
"""

from __future__ import annotations

import numpy as np

from hil.errors import ConfigError
from hil.step.roles import FEATURES, MASK, STATE, STATE_OUT, state_names


def _keras():
    import keras

    return keras


def _split_layers(model):
    """(dense layers before the first GRU, [(GRU, dense layers after it), ...]); ConfigError otherwise."""
    keras = _keras()
    before, stages = [], []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.layers.GRU):
            stages.append((layer, []))
        elif isinstance(layer, keras.layers.Dense):
            (stages[-1][1] if stages else before).append(layer)
        else:
            raise ConfigError(
                f"model '{model.name}': wanted only Dense and GRU layers, got {type(layer).__name__} '{layer.name}'"
            )
    if not stages:
        raise ConfigError(f"model '{model.name}': wanted a GRU layer, got none")
    if not stages[-1][1]:
        raise ConfigError(f"model '{model.name}': wanted a Dense output layer after the last GRU, got none")
    return before, stages


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


def gru_cell(x, h, gru, prefix: str = "gru", out_name: str = STATE_OUT):
    """One GRU step in plain layers; the same math as keras.layers.GRUCell (both reset_after modes).
    `gru` is a GRU layer or anything with its get_weights(), .units and .cell.reset_after. Its layers are
    named `prefix`_..., the new state `out_name`."""
    keras = _keras()
    L = keras.layers
    kernel, rkernel, bias = (np.asarray(w) for w in gru.get_weights())
    n = gru.units
    gate = {g: slice(i * n, (i + 1) * n) for i, g in enumerate("zrh")}
    b_in, b_rec = (bias[0], bias[1]) if gru.cell.reset_after else (bias, np.zeros_like(bias))
    zr = {}
    for g in "zr":
        s = gate[g]
        pre = L.Add(name=f"{prefix}_{g}_pre")(
            [
                _dense(x, kernel[:, s], b_in[s] + b_rec[s], f"{prefix}_{g}_x"),
                _dense(h, rkernel[:, s], None, f"{prefix}_{g}_h"),
            ]
        )
        zr[g] = L.Activation("sigmoid", name=f"{prefix}_{g}")(pre)
    s = gate["h"]
    x_h = _dense(x, kernel[:, s], b_in[s], f"{prefix}_h_x")
    if gru.cell.reset_after:
        rec_h = L.Multiply(name=f"{prefix}_reset")([zr["r"], _dense(h, rkernel[:, s], b_rec[s], f"{prefix}_h_h")])
    else:
        rec_h = _dense(L.Multiply(name=f"{prefix}_reset")([zr["r"], h]), rkernel[:, s], None, f"{prefix}_h_h")
    hh = L.Activation("tanh", name=f"{prefix}_cand")(L.Add(name=f"{prefix}_h_pre")([x_h, rec_h]))
    # h' = z*h + (1-z)*hh  ==  hh + z*(h - hh): no constant tensor needed
    delta = L.Multiply(name=f"{prefix}_update")([zr["z"], L.Subtract(name=f"{prefix}_diff")([h, hh])])
    return L.Add(name=out_name)([hh, delta])


def gru_step_model(trained, name: str | None = None):
    """The single-step float model of a trained sequence model `Input(T, F) -> Dense* -> (GRU -> Dense*)+`.

    Inputs [features (F,), one state (H_i,) per GRU]; outputs [mask (the last Dense), one new state per
    GRU], named by `state_names` (state / state_out for a single GRU). The weights are copied."""
    keras = _keras()
    before, stages = _split_layers(trained)
    names = state_names(len(stages))
    x_in = keras.Input((trained.inputs[0].shape[-1],), name=FEATURES)
    h_ins, h_outs = [], []
    x = x_in
    for i, layer in enumerate(before):
        x = _copy_dense(layer, x, f"pre_{i}")
    for k, ((gru, after), (in_name, out_name)) in enumerate(zip(stages, names)):
        _check_gru(gru)
        h_ins.append(keras.Input((gru.units,), name=in_name))
        x = gru_cell(x, h_ins[-1], gru, "gru" if len(stages) == 1 else f"gru{k}", out_name)
        h_outs.append(x)
        last = k == len(stages) - 1
        for i, layer in enumerate(after):
            tag = f"post_{i}" if len(stages) == 1 else f"post{k}_{i}"
            x = _copy_dense(layer, x, MASK if last and i == len(after) - 1 else tag)
    return keras.Model([x_in, *h_ins], [x, *h_outs], name=name or f"{trained.name}_step")


def step_calib_rows(seq_model, x: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n calibration rows for the single-step form of a one-GRU sequence model (its GRU layer named
    "gru"): structured (features x_t, state h_{t-1}) pairs drawn from running the trained model over x."""
    keras = _keras()
    gru = seq_model.get_layer("gru")
    states = keras.Model(seq_model.inputs, gru.output).predict(x, verbose=0)
    prev = np.concatenate([np.zeros_like(states[:, :1]), states[:, :-1]], axis=1)
    rng = np.random.default_rng(seed)
    seq, t = rng.integers(0, len(x), n), rng.integers(0, x.shape[1], n)
    rows = np.zeros(n, dtype=[(FEATURES, np.float32, (x.shape[2],)), (STATE, np.float32, (gru.units,))])
    rows[FEATURES], rows[STATE] = x[seq, t], prev[seq, t]
    return rows
