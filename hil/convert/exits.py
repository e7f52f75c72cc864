"""Early-exit masking networks (Dynamic nsNet2): one description, trained on sequences, exported as one step.

A network is a list of `Node`s (Dense or GRU, each reading the features or an earlier node) and the
nodes whose sigmoid outputs are its exits' masks, cheapest first; the last exit is the full model. A
node belongs to the first exit that needs it (its stage). Frames that stop at an earlier exit do not
compute the later stages, and the skipped GRUs follow the state rule of hil.step.exits: their state is
held (h_t = h_{t-1}). Training applies that rule through `reach` flags: `reach[t, k]` is 1 when frame t
evaluates exit k, and a GRU of stage s updates its state only where reach[t, s] is 1 (HeldGRUCell);
exit k's loss counts only those frames. The board (firmware/src/dsp/stream.c) and the numpy
reference hold the very same states.

`sequence_model` builds the training model: inputs features (T, F) and reach (T, K), output the K masks
side by side (T, K x M). `step_model` copies the trained weights into a single-step model of plain
layers: inputs features and state_<i> per GRU (node order), outputs [mask (the last exit), state_out_<i>,
exit_<k> for the earlier exits], the order hil.step.roles expects.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from hil.convert.streaming import gru_cell
from hil.errors import ConfigError
from hil.step.roles import FEATURES, MASK, state_names

EXIT = "exit"  # early exits' outputs are exit_<k>; the last exit is MASK


@dataclass(frozen=True)
class Node:
    name: str
    kind: str  # "dense" or "gru"
    units: int
    source: str  # FEATURES or an earlier node's name
    activation: str = "linear"  # Dense only


@dataclass(frozen=True)
class ExitNet:
    features: int
    nodes: tuple[Node, ...]
    exits: tuple[str, ...]  # the exits' mask nodes (sigmoid Dense), cheapest first

    def __post_init__(self):
        seen = {FEATURES}
        for n in self.nodes:
            if n.kind not in ("dense", "gru") or n.source not in seen or n.name in seen:
                raise ConfigError(f"exit net node '{n.name}': wanted a dense or gru reading an earlier node, "
                                  f"got kind {n.kind!r} reading {n.source!r}")  # fmt: skip
            seen.add(n.name)
        if len(self.exits) < 2 or any(e not in seen for e in self.exits):
            raise ConfigError(f"exit net: wanted at least two exits among its nodes, got {self.exits}")

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def ancestors(self, name: str) -> list[str]:
        """The nodes `name` needs, itself included, in node order."""
        need, todo = set(), [name]
        while todo:
            cur = todo.pop()
            if cur != FEATURES and cur not in need:
                need.add(cur)
                todo.append(self.node(cur).source)
        return [n.name for n in self.nodes if n.name in need]

    def stage(self, name: str) -> int:
        """The first exit that needs node `name`."""
        return next(k for k, e in enumerate(self.exits) if name in self.ancestors(e))

    @property
    def grus(self) -> list[Node]:
        return [n for n in self.nodes if n.kind == "gru"]

    def params(self, k: int) -> int:
        """Weights and biases of the nodes exit k needs (a GRU's: 3 x units x (fan-in + units + 2))."""
        width = {FEATURES: self.features, **{n.name: n.units for n in self.nodes}}
        total = 0
        for name in self.ancestors(self.exits[k]):
            n = self.node(name)
            fan_in = width[n.source]
            total += (fan_in + 1) * n.units if n.kind == "dense" else 3 * n.units * (fan_in + n.units + 2)
        return total

    def macs(self, k: int) -> int:
        """Multiply-accumulates per frame of exit k (the nodes it needs)."""
        width = {FEATURES: self.features, **{n.name: n.units for n in self.nodes}}
        total = 0
        for name in self.ancestors(self.exits[k]):
            n = self.node(name)
            fan_in = width[n.source]
            total += fan_in * n.units if n.kind == "dense" else 3 * n.units * (fan_in + n.units)
        return total


def _keras():
    import keras

    return keras


def held_gru_cell(units: int):
    """A GRUCell whose input carries a last column `run`: h_t = run ? GRU(x_t, h_{t-1}) : h_{t-1}."""
    keras = _keras()

    class HeldGRUCell(keras.layers.Layer):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.units = self.state_size = self.output_size = units
            self.cell = keras.layers.GRUCell(units, reset_after=True, name="cell")

        def build(self, input_shape):
            self.cell.build((input_shape[0], input_shape[-1] - 1))

        def call(self, inputs, states, training=False):
            h = states[0] if isinstance(states, (list, tuple)) else states
            new, _ = self.cell(inputs[:, :-1], [h], training=training)
            run = inputs[:, -1:]
            out = run * new + (1.0 - run) * h
            return out, [out]

    return HeldGRUCell()


def sequence_model(net: ExitNet, name: str = "exits"):
    """The training model: [features (T, F), reach (T, K)] -> the K exits' masks side by side (T, K x M)."""
    keras = _keras()
    L = keras.layers
    feats = keras.Input((None, net.features), name=FEATURES)
    reach = keras.Input((None, len(net.exits)), name="reach")
    x = {FEATURES: feats}
    for n in net.nodes:
        if n.kind == "dense":
            x[n.name] = L.Dense(n.units, activation=n.activation, name=n.name)(x[n.source])
        else:
            s = net.stage(n.name)
            run = L.Lambda(lambda r, s=s: r[..., s : s + 1], name=f"{n.name}_run")(reach)
            cell_in = L.Concatenate(name=f"{n.name}_in")([x[n.source], run])
            x[n.name] = L.RNN(held_gru_cell(n.units), return_sequences=True, name=n.name)(cell_in)
    out = L.Concatenate(name="exits")([x[e] for e in net.exits])
    return keras.Model([feats, reach], out, name=name)


def exit_loss(n_exits: int, bins: int, weights=None):
    """Mean squared error of each exit against the target, counted on the frames that evaluate it
    (y_true: (T, K x M) targets then (T, K) reach flags), weighted per exit."""
    keras = _keras()
    ops = keras.ops
    w = np.ones(n_exits, np.float32) if weights is None else np.asarray(weights, np.float32)

    def loss(y_true, y_pred):
        target, reach = y_true[..., : n_exits * bins], y_true[..., n_exits * bins :]
        err = ops.square(target - y_pred)
        per_exit = ops.stack([ops.mean(err[..., k * bins : (k + 1) * bins], axis=-1) for k in range(n_exits)], -1)
        return ops.sum(per_exit * reach * w, axis=-1)

    return loss


def _gru_like(layer):
    cell = layer.cell.cell  # RNN(HeldGRUCell).cell is the HeldGRUCell; its .cell the GRUCell
    return SimpleNamespace(get_weights=cell.get_weights, units=cell.units, cell=cell)


def step_model(net: ExitNet, trained, name: str = "exits_step"):
    """The single-step model of a trained sequence_model: weights copied, GRUs as plain layers."""
    keras = _keras()
    grus = net.grus
    names = state_names(len(grus))
    feats = keras.Input((net.features,), name=FEATURES)
    h_in = {g.name: keras.Input((g.units,), name=names[i][0]) for i, g in enumerate(grus)}
    x, h_out = {FEATURES: feats}, {}
    out_name = {e: (MASK if k == len(net.exits) - 1 else f"{EXIT}_{k}") for k, e in enumerate(net.exits)}
    for n in net.nodes:
        if n.kind == "gru":
            i = [g.name for g in grus].index(n.name)
            x[n.name] = h_out[n.name] = gru_cell(x[n.source], h_in[n.name], _gru_like(trained.get_layer(n.name)),
                                                 f"gru{i}", names[i][1])  # fmt: skip
            continue
        src = trained.get_layer(n.name)
        layer = keras.layers.Dense(n.units, activation=n.activation, name=out_name.get(n.name, n.name))
        x[n.name] = layer(x[n.source])
        layer.set_weights(src.get_weights())
    outs = [x[net.exits[-1]], *(h_out[g.name] for g in grus), *(x[e] for e in net.exits[:-1])]
    return keras.Model([feats, *(h_in[g.name] for g in grus)], outs, name=name)
