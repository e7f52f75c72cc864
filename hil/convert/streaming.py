"""Streaming recurrent models: a GRU trained on sequences, exported as one step.

A Keras GRU layer lowers to a WHILE loop, which the int8 calibrator and TFLM cannot take.
`gru_step_model` rebuilds a trained `Input -> Dense* -> GRU -> Dense* [-> GRU -> Dense*]...` model as
a single-step model whose GRU states are explicit inputs and outputs, written with plain Keras layers
(Dense, Activation, Add, Subtract, Multiply) so it lowers to builtin FULLY_CONNECTED, LOGISTIC,
TANH, MUL, ADD and SUB ops. The int8 model quantizes the state input and the state output with
different scales: `requantize` maps one to the other between steps, and `step_io` finds which
TFLite tensor plays which role, since the converter may rename and reorder them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from hil.errors import ConfigError

FEATURES, STATE, MASK, STATE_OUT = "features", "state", "mask", "state_out"


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


def state_names(n_states: int) -> list[tuple[str, str]]:
    """(input, output) names of each GRU state: state/state_out for one GRU, state_i/state_out_i for several."""
    if n_states == 1:
        return [(STATE, STATE_OUT)]
    return [(f"{STATE}_{i}", f"{STATE_OUT}_{i}") for i in range(n_states)]


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


def _gru_cell(x, h, gru, prefix: str = "gru", out_name: str = STATE_OUT):
    """One GRU step in plain layers; the same math as keras.layers.GRUCell (both reset_after modes).
    Its layers are named `prefix`_..., the new state `out_name`."""
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
        x = _gru_cell(x, h_ins[-1], gru, "gru" if len(stages) == 1 else f"gru{k}", out_name)
        h_outs.append(x)
        last = k == len(stages) - 1
        for i, layer in enumerate(after):
            tag = f"post_{i}" if len(stages) == 1 else f"post{k}_{i}"
            x = _copy_dense(layer, x, MASK if last and i == len(after) - 1 else tag)
    return keras.Model([x_in, *h_ins], [x, *h_outs], name=name or f"{trained.name}_step")


def run_steps_float(step_model, features: np.ndarray, state=None):
    """Run a float step model over a (T, F) sequence from the zero state (or `state`): the masks (T, M)
    and the final state, an array for a one-GRU model, a list of arrays (one per GRU) otherwise."""
    sizes = [t.shape[-1] for t in step_model.inputs[1:]]
    if state is None:
        hs = [np.zeros((1, n), np.float32) for n in sizes]
    else:
        hs = [np.asarray(s, np.float32).reshape(1, -1) for s in ([state] if len(sizes) == 1 else state)]
    masks = []
    for frame in features.astype(np.float32):
        mask, *hs = step_model([frame[None], *hs], training=False)
        masks.append(np.asarray(mask)[0])
        hs = [np.asarray(h) for h in hs]
    final = [h[0] for h in hs]
    return np.stack(masks), final[0] if len(final) == 1 else final


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


def requantize(q: np.ndarray, from_scale: float, from_zp: int, to_scale: float, to_zp: int, dtype) -> np.ndarray:
    """Integer values in one quantization (state_out) to another (state_in): round half away, saturate."""
    from hil.convert.tflm import round_half_away

    real = (np.asarray(q, np.float64) - from_zp) * from_scale
    lim = np.iinfo(dtype)
    return np.clip(round_half_away(real / to_scale) + to_zp, lim.min, lim.max).astype(dtype)


@dataclass(frozen=True)
class StepIO:
    """Which TFLite input/output plays which role in a single-step recurrent model (TensorInfos)."""

    features: object  # the feature input
    mask: object  # the mask output
    states: tuple  # ((state input, its new-state output), ...): one pair per GRU, in layer order

    @property
    def state(self):
        """The first GRU's state input."""
        return self.states[0][0]

    @property
    def state_out(self):
        """The first GRU's new-state output."""
        return self.states[0][1]


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


def _named(tensors, sig: dict, names: list[str]):
    """The tensors playing `names`: by signature name, else by tensor names ending in the role's name."""
    if all(n in sig for n in names):
        return [tensors[sig[n]] for n in names]
    found = []
    for n in names:
        hits = [t for t in tensors if re.search(rf"(^|[_/]){n}(:\d+)?$", t.name)]
        if len(hits) != 1:
            return None
        found.append(hits[0])
    return found


def _by_producer(info, state_ins: list):
    """[mask, new states...] from the ops writing them: the new states come from ADD, the mask does not;
    several states are told apart by shape, so they need distinct shapes."""
    adds = [t for t in info.outputs if info.producers.get(t.tensor) == "ADD"]
    rest = [t for t in info.outputs if t not in adds]
    if len(rest) != 1 or len(adds) != len(state_ins):
        return None
    if len(adds) == 1:
        return [rest[0], adds[0]]
    by_shape = {t.shape: t for t in adds}
    if len(by_shape) != len(adds) or any(t.shape not in by_shape for t in state_ins):
        return None
    return [rest[0], *(by_shape[t.shape] for t in state_ins)]


def step_io(interpreter_or_tflite_bytes) -> StepIO:
    """Map a single-step model's TFLite inputs/outputs to features, mask and the (state, new state) pairs.

    By signature names first (inputs 'features', 'state' or 'state_<i>'; outputs 'mask', 'state_out' or
    'state_out_<i>', or 'output_<k>' in the Keras order [mask, new states...] that gru_step_model
    builds), then by tensor names, then by the op that writes each output (new states come from ADD)."""
    info = _info_of(interpreter_or_tflite_bytes)
    n = len(info.inputs) - 1
    if n < 1 or len(info.outputs) != n + 1:
        raise ConfigError(
            f"step model: wanted features + N states in and mask + N states out (N >= 1), "
            f"got {len(info.inputs)} inputs and {len(info.outputs)} outputs"
        )
    pairs = state_names(n)
    ins = _named(info.inputs, info.signature_inputs, [FEATURES] + [a for a, _ in pairs])
    out_names = [MASK] + [b for _, b in pairs]
    sig_out = dict(info.signature_outputs)
    for k, name in enumerate(out_names):
        if f"output_{k}" in sig_out:
            sig_out.setdefault(name, sig_out[f"output_{k}"])
    outs = _named(info.outputs, sig_out, out_names)
    if outs is None and ins is not None:
        outs = _by_producer(info, ins[1:])
    if ins is None or outs is None:
        names = [t.name for t in info.inputs + info.outputs]
        raise ConfigError(f"step model: wanted inputs/outputs named by signature or 'state', got tensors {names}")
    roles = StepIO(ins[0], outs[0], tuple(zip(ins[1:], outs[1:])))
    for (a, b), (name, _) in zip(roles.states, pairs):
        if a.shape != b.shape:
            raise ConfigError(f"step model: wanted {name} in and out of one shape, got {a.shape} and {b.shape}")
    return roles


def stream_loop(runner, info, features: np.ndarray) -> list[np.ndarray]:
    """Run quantized (T, F) features one step at a time, feeding each requantized state back.

    Starts from zero states; returns [masks (T, ...), then per GRU its new states (T, ...) in its
    state output's quantization]."""
    io = step_io(info)
    hs = [np.full(i.shape, i.zero_point, i.dtype) for i, _ in io.states]
    masks, states = [], [[] for _ in io.states]
    for frame in features:
        runner.set(io.features.position, np.ascontiguousarray(frame.reshape(io.features.shape)))
        for h, (inp, _) in zip(hs, io.states):
            runner.set(inp.position, h)
        runner.invoke()
        masks.append(np.array(runner.get(io.mask.position)).reshape(io.mask.shape[1:]))
        for k, (inp, out) in enumerate(io.states):
            s = np.array(runner.get(out.position))
            states[k].append(s.reshape(out.shape[1:]))
            hs[k] = requantize(s, out.scale, out.zero_point, inp.scale, inp.zero_point, inp.dtype).reshape(inp.shape)
    return [np.stack(masks), *(np.stack(s) for s in states)]


ENGINES = ("tflm", "ref", "sim")


def run_stream(tflite_bytes: bytes, features: np.ndarray, engine: str = "tflm", arena_bytes: int | None = None):
    """A single-step model over quantized (T, F) features: [masks, new states of each GRU...] from TFLM,
    the TFLite reference kernels ('ref') or the board's C runtime in hil's simulator ('sim')."""
    from hil.convert import tflm

    if engine not in ENGINES:
        raise ConfigError(f"engine: wanted one of {', '.join(ENGINES)}, got '{engine}'")
    info = tflm.model_info(tflite_bytes)
    io = step_io(info)
    (rows,), _ = tflm.check_inputs([features], [io.features])
    if engine == "ref":
        return stream_loop(tflm.ref_runner(tflite_bytes), info, rows)
    if engine == "sim":
        from hil.compile.compiler import compile_tflite
        from hil.sim import Simulator

        return stream_loop(Simulator(compile_tflite(bytes(tflite_bytes)).blob).runner(), info, rows)
    return tflm.spawn_tflm(tflite_bytes, [rows], 1 + len(io.states), "stream", arena_bytes, tflm.DEFAULT_TIMEOUT_S)
