"""Conv-FSENet with DynCP gates in Keras: the sequence model that trains and the single-step model that
exports (plain layers; hil.convert.gconv_surgery turns each block into one HIL_GATED_CONV op).

Sequence model: features (T, bins) -> Dense(C) front-end -> blocks -> Dense(bins, sigmoid) mask. A block:
g = gate(x) (Dense(R, relu) -> Dense(M) logits; binary forward, sigmoid gradient: straight through),
u = relu(Dense(M)(x)) * g, v = relu(causal dilated DepthwiseConv1D(K)(u)) * g, y = x + Dense(C)(v); the
usage loss weight * (kept share of all gated channels - target)^2 (ChannelUsage) on the last block's output.
A static model (target None) has no gate layers: every channel is computed."""

from __future__ import annotations

import numpy as np


def _keras():
    import keras

    return keras


def gate_layer_class():
    keras = _keras()
    ops = keras.ops

    class ChannelGate(keras.layers.Layer):
        """Binary per-frame channel gates with a straight-through sigmoid gradient. `stochastic` (set while
        training only): logistic noise on the logits, so that a channel near its threshold is tried both
        ways (a stochastic binary gate); the gate is the logit's sign at inference and in export."""

        def __init__(self, mid: int, gate_dim: int, **kw):
            super().__init__(**kw)
            self.mid, self.gate_dim, self.stochastic = mid, gate_dim, False
            self.hidden = keras.layers.Dense(gate_dim, activation="relu", name="hidden")
            self.logits = keras.layers.Dense(mid, name="logits", bias_initializer=keras.initializers.Constant(2.0))

        def build(self, shape):
            self.hidden.build(shape)
            self.logits.build((*shape[:-1], self.gate_dim))

        def call(self, x, training=None):
            s = self.logits(self.hidden(x))
            if training and self.stochastic:
                noise = keras.random.uniform(ops.shape(s), 1e-6, 1 - 1e-6)  # seeded by hil.zoo.deterministic
                s = s + ops.log(noise) - ops.log(1 - noise)
            soft = ops.sigmoid(s)
            return soft + ops.stop_gradient(ops.cast(s > 0, soft.dtype) - soft)

        def get_config(self):
            return super().get_config() | {"mid": self.mid, "gate_dim": self.gate_dim}

    class ChannelUsage(keras.layers.Layer):
        """The auxiliary loss weight * (usage - level)^2, usage the share of all the model's gated channels
        kept (over blocks, frames and the batch), so blocks that matter more can keep more; passes x on.
        `level` is the target unless a training schedule moves it (family.py anneals it from 1 down)."""

        def __init__(self, target: float, weight: float, **kw):
            super().__init__(**kw)
            self.target, self.weight = target, weight
            self.level = self.add_weight(shape=(), initializer=keras.initializers.Constant(target),
                                         trainable=False, name="level")  # fmt: skip

        def call(self, inputs):
            x, *gates = inputs
            self.add_loss(self.weight * ops.square(ops.mean(ops.concatenate(gates, axis=-1)) - self.level))
            return x

        def get_config(self):
            return super().get_config() | {"target": self.target, "weight": self.weight}

    return ChannelGate, ChannelUsage


def sequence_model(arch: dict, target: float | None, weight: float, name: str):
    keras = _keras()
    L = keras.layers
    c, m, r, k = arch["channels"], arch["mid"], arch["gate_dim"], arch["kernel"]
    inp = keras.Input((None, arch["bins"]), name="features")
    x = L.Dense(c, name="front")(inp)
    gate, usage = gate_layer_class()
    gates = []
    for i, d in enumerate(arch["dilations"]):
        u = L.Dense(m, activation="relu", name=f"b{i}_expand")(x)
        g = gate(m, r, name=f"b{i}_gate")(x) if target is not None else None
        gates += [g] if g is not None else []
        u = L.Multiply(name=f"b{i}_u")([u, g]) if g is not None else u
        v = L.DepthwiseConv1D(k, dilation_rate=d, activation="relu", name=f"b{i}_dw")(L.ZeroPadding1D(((k - 1) * d, 0))(u))
        v = L.Multiply(name=f"b{i}_v")([v, g]) if g is not None else v
        x = L.Add(name=f"b{i}_out")([x, L.Dense(c, name=f"b{i}_project")(v)])
    if gates:
        x = usage(target, weight, name="usage")([x, *gates])
    return keras.Model(inp, L.Dense(arch["bins"], activation="sigmoid", name="mask")(x), name=name)


def gated(seq) -> bool:
    return any(layer.name.endswith("_gate") for layer in seq.layers)


def step_model(seq, arch: dict, name: str, gate_inputs: bool = True):
    """One frame of `seq` with plain layers: inputs features (bins,) and state_<i> ((K-1) d_i, M) per block
    (the u of its last frames, oldest first); outputs mask (bins,) and state_out_<i>. Weights shared.
    A gated `seq` adds inputs gate_<i> (M,): the frame's binary gates (the float gate heads' decisions),
    multiplied into u and v as in training, so that calibration sees the activations the gated model
    makes; hil.convert.gconv_surgery takes the multiplications and the gate inputs out again.
    gate_inputs False: the blocks as plain layers with every channel, whatever `seq` is."""
    keras = _keras()
    L = keras.layers
    m, k = arch["mid"], arch["kernel"]
    feats = keras.Input((arch["bins"],), name="features")
    states = [keras.Input(((k - 1) * d, m), name=f"state_{i}") for i, d in enumerate(arch["dilations"])]
    blocks = range(len(arch["dilations"]))
    gates = [keras.Input((m,), name=f"gate_{i}") for i in blocks] if gate_inputs and gated(seq) else []
    x = seq.get_layer("front")(feats)
    outs = []
    for i, d in enumerate(arch["dilations"]):
        u = seq.get_layer(f"b{i}_expand")(x)
        u = L.Reshape((1, m))(L.Multiply(name=f"b{i}_u")([u, gates[i]]) if gates else u)
        win = L.Concatenate(axis=1, name=f"b{i}_window")([states[i], u])
        taps = win[:, :: d] if d > 1 else win
        dw = L.DepthwiseConv1D(k, activation="relu", name=f"b{i}_dw")  # the taps are already d apart
        v = L.Reshape((m,))(dw(taps))
        v = L.Multiply(name=f"b{i}_v")([v, gates[i]]) if gates else v
        dw.set_weights(seq.get_layer(f"b{i}_dw").get_weights())
        x = L.Add(name=f"b{i}_add")([x, seq.get_layer(f"b{i}_project")(v)])
        outs.append(win[:, 1:])
    mask = seq.get_layer("mask")(x)
    inputs = {"features": feats, **{f"state_{i}": s for i, s in enumerate(states)},
              **{f"gate_{i}": g for i, g in enumerate(gates)}}  # fmt: skip
    inputs = dict(sorted(inputs.items()))  # Keras flattens a dict by sorted keys: the same order, or export fails
    return keras.Model(inputs, {"mask": mask, **{f"state_out_{i}": o for i, o in enumerate(outs)}}, name=name)


def gate_weights(seq, i: int):
    """(Wg1 [R, C], bg1, Wg2 [M, R], bg2) of block i's gate head, float; None for a static model."""
    try:
        layer = seq.get_layer(f"b{i}_gate")
    except ValueError:
        return None
    (w1, b1), (w2, b2) = layer.hidden.get_weights(), layer.logits.get_weights()
    return np.asarray(w1).T, np.asarray(b1), np.asarray(w2).T, np.asarray(b2)
