"""Which input and output of a single-step model plays which role: the features, the mask, and per
recurrent layer its state input and the output that carries the new state (none for a stateless,
frame-by-frame mask model: one input, one output).

The converter may rename and reorder a step model's tensors. `step_io` finds the roles by the
SignatureDef's names first (inputs 'features', 'state' or 'state_<i>'; outputs 'mask', 'state_out' or
'state_out_<i>', or 'output_<k>' in the order [mask, new states...] hil.convert.streaming builds),
then by tensor names, then by the op that writes each output (new states come from ADD).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from hil.compile.model_info import ModelInfo, TensorInfo, model_info
from hil.errors import ConfigError

FEATURES, STATE, MASK, STATE_OUT = "features", "state", "mask", "state_out"


def state_names(n_states: int) -> list[tuple[str, str]]:
    """(input, output) names of each GRU state: state/state_out for one GRU, state_i/state_out_i for several."""
    if n_states == 1:
        return [(STATE, STATE_OUT)]
    return [(f"{STATE}_{i}", f"{STATE_OUT}_{i}") for i in range(n_states)]


@dataclass(frozen=True)
class StepIO:
    """Which TFLite input/output plays which role in a single-step recurrent model (TensorInfos)."""

    features: object  # the feature input
    mask: object  # the mask output
    states: tuple  # ((state input, its new-state output), ...): one pair per GRU, in layer order
    exits: tuple = ()  # the early exits' mask outputs, cheapest first (hil.convert.exits); the mask is the last exit
    gates: tuple = ()  # inputs gate_<k> a gated step model takes for calibration (not roles: left out)

    @property
    def state(self):
        """The first GRU's state input."""
        return self.states[0][0]

    @property
    def state_out(self):
        """The first GRU's new-state output."""
        return self.states[0][1]


def _info_of(model) -> ModelInfo:
    if isinstance(model, ModelInfo):
        return model
    if isinstance(model, (bytes, bytearray, memoryview)):
        return model_info(bytes(model))
    if hasattr(model, "_get_full_signature_list"):  # a tf.lite.Interpreter
        return _interpreter_info(model)
    raise ConfigError(f"step_io: wanted TFLite bytes, a ModelInfo or a tf.lite.Interpreter, got {type(model).__name__}")


def _interpreter_info(interp) -> ModelInfo:
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
    at = {t.position: t for t in tensors}  # positions in the model: some tensors may be left out
    if all(n in sig and sig[n] in at for n in names):
        return [at[sig[n]] for n in names]
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
    builds), then by tensor names, then by the op that writes each output (new states come from ADD).
    A model of one input and one output is stateless: features and mask, N = 0. Outputs named by signature
    'gates_<k>' (a gated block's per-frame channel gates: hil.dyncp) are reports, not roles: left out here;
    so are inputs 'gate_<k>' (the gates given to a gated step model for calibration, which
    hil.convert.gconv_surgery takes out).
    A model with early exits has one more mask output per early exit after those ('exit_<k>', or output_<k>
    in that order)."""
    info = _info_of(interpreter_or_tflite_bytes)
    side = {pos for name, pos in info.signature_outputs.items() if re.fullmatch(r"gates_\d+", name)}
    if side:
        info = replace(info, outputs=[t for t in info.outputs if t.position not in side])
    given = {pos for name, pos in info.signature_inputs.items() if re.fullmatch(r"gate_\d+", name)}
    gates = tuple(t for t in info.inputs if t.position in given)
    if given:
        info = replace(info, inputs=[t for t in info.inputs if t.position not in given])
    n = len(info.inputs) - 1
    extra = len(info.outputs) - n - 1
    if n < 0 or extra < 0 or (extra and n == 0):
        raise ConfigError(
            f"step model: wanted features + N states in and mask + N states (+ early exits) out (N >= 0), "
            f"got {len(info.inputs)} inputs and {len(info.outputs)} outputs"
        )
    pairs = state_names(n)
    ins = _named(info.inputs, info.signature_inputs, [FEATURES] + [a for a, _ in pairs])
    out_names = [MASK] + [b for _, b in pairs] + [f"exit_{k}" for k in range(extra)]
    sig_out = dict(info.signature_outputs)
    for k, name in enumerate(out_names):
        if f"output_{k}" in sig_out:
            sig_out.setdefault(name, sig_out[f"output_{k}"])
    outs = _named(info.outputs, sig_out, out_names)
    if outs is None and ins is not None:
        outs = _by_producer(info, ins[1:])
    if n == 0:  # stateless: the one input and the one output, whatever their names
        ins, outs = info.inputs, info.outputs
    if ins is None or outs is None:
        names = [t.name for t in info.inputs + info.outputs]
        raise ConfigError(f"step model: wanted inputs/outputs named by signature or 'state', got tensors {names}")
    roles = StepIO(ins[0], outs[0], tuple(zip(ins[1:], outs[1 : n + 1])), tuple(outs[n + 1 :]), gates)
    for (a, b), (name, _) in zip(roles.states, pairs):
        if a.shape != b.shape:
            raise ConfigError(f"step model: wanted {name} in and out of one shape, got {a.shape} and {b.shape}")
    return roles
