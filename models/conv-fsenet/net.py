"""Conv-FSENet with DynCP gates in Keras: the sequence model that trains and the single-step model that
exports (plain layers; hil.convert.gconv_surgery turns each block into one HIL_GATED_CONV op).

Sequence model: features (T, bins) -> Dense(C) front-end -> blocks -> Dense(bins, sigmoid) mask. A block:
g = gate(x) (Dense(R, relu) -> Dense(M) logits; binary forward, sigmoid gradient: straight through),
u = relu(Dense(M)(x)) * g, v = relu(causal dilated DepthwiseConv1D(K)(u)) * g, y = x + Dense(C)(v).
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
        """Binary per-frame channel gates with a straight-through sigmoid gradient, and the auxiliary loss
        weight * (mean usage - target)^2 that drives the block's usage toward the target."""

        def __init__(self, mid: int, gate_dim: int, target: float, weight: float, **kw):
            super().__init__(**kw)
            self.mid, self.gate_dim, self.target, self.weight = mid, gate_dim, target, weight
            self.hidden = keras.layers.Dense(gate_dim, activation="relu", name="hidden")
            self.logits = keras.layers.Dense(mid, name="logits", bias_initializer=keras.initializers.Constant(2.0))

        def build(self, shape):
            self.hidden.build(shape)
            self.logits.build((*shape[:-1], self.gate_dim))

        def call(self, x):
            s = self.logits(self.hidden(x))
            soft = ops.sigmoid(s)
            hard = ops.cast(s > 0, soft.dtype)
            g = soft + ops.stop_gradient(hard - soft)
            self.add_loss(self.weight * ops.square(ops.mean(g) - self.target))
            return g

        def get_config(self):
            return super().get_config() | {"mid": self.mid, "gate_dim": self.gate_dim, "target": self.target,
                                           "weight": self.weight}  # fmt: skip

    return ChannelGate


def sequence_model(arch: dict, target: float | None, weight: float, name: str):
    keras = _keras()
    L = keras.layers
    c, m, r, k = arch["channels"], arch["mid"], arch["gate_dim"], arch["kernel"]
    inp = keras.Input((None, arch["bins"]), name="features")
    x = L.Dense(c, name="front")(inp)
    gate = gate_layer_class()
    for i, d in enumerate(arch["dilations"]):
        u = L.Dense(m, activation="relu", name=f"b{i}_expand")(x)
        g = gate(m, r, target, weight, name=f"b{i}_gate")(x) if target is not None else None
        u = L.Multiply(name=f"b{i}_u")([u, g]) if g is not None else u
        v = L.DepthwiseConv1D(k, dilation_rate=d, activation="relu", name=f"b{i}_dw")(L.ZeroPadding1D(((k - 1) * d, 0))(u))
        v = L.Multiply(name=f"b{i}_v")([v, g]) if g is not None else v
        x = L.Add(name=f"b{i}_out")([x, L.Dense(c, name=f"b{i}_project")(v)])
    return keras.Model(inp, L.Dense(arch["bins"], activation="sigmoid", name="mask")(x), name=name)


def step_model(seq, arch: dict, name: str):
    """One frame of `seq` with plain layers: inputs features (bins,) and state_<i> ((K-1) d_i, M) per block
    (the u of its last frames, oldest first); outputs mask (bins,) and state_out_<i>. Weights shared."""
    keras = _keras()
    L = keras.layers
    m, k = arch["mid"], arch["kernel"]
    feats = keras.Input((arch["bins"],), name="features")
    states = [keras.Input(((k - 1) * d, m), name=f"state_{i}") for i, d in enumerate(arch["dilations"])]
    x = seq.get_layer("front")(feats)
    outs = []
    for i, d in enumerate(arch["dilations"]):
        u = L.Reshape((1, m))(seq.get_layer(f"b{i}_expand")(x))
        win = L.Concatenate(axis=1, name=f"b{i}_window")([states[i], u])
        taps = win[:, :: d] if d > 1 else win
        dw = L.DepthwiseConv1D(k, activation="relu", name=f"b{i}_dw")  # the taps are already d apart
        v = L.Reshape((m,))(dw(taps))
        dw.set_weights(seq.get_layer(f"b{i}_dw").get_weights())
        x = L.Add(name=f"b{i}_add")([x, seq.get_layer(f"b{i}_project")(v)])
        outs.append(win[:, 1:])
    mask = seq.get_layer("mask")(x)
    return keras.Model({"features": feats, **{f"state_{i}": s for i, s in enumerate(states)}},
                       {"mask": mask, **{f"state_out_{i}": o for i, o in enumerate(outs)}}, name=name)  # fmt: skip


def gate_weights(seq, i: int):
    """(Wg1 [R, C], bg1, Wg2 [M, R], bg2) of block i's gate head, float; None for a static model."""
    try:
        layer = seq.get_layer(f"b{i}_gate")
    except ValueError:
        return None
    (w1, b1), (w2, b2) = layer.hidden.get_weights(), layer.logits.get_weights()
    return np.asarray(w1).T, np.asarray(b1), np.asarray(w2).T, np.asarray(b2)
