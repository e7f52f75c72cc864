"""Seeded single-step GRU graphs without TensorFlow, in the form the TFLite converter gives
hil.convert.streaming.gru_step_model: per gate FULLY_CONNECTEDs of x and of the state, ADD, LOGISTIC /
TANH, the reset MUL (before or after the state's FULLY_CONNECTED: Keras' reset_after), SUB, MUL and ADD
for the update, RESHAPEs on some edges, in the converter's op order. Kernel tests, fuzz seeds and the
fusion pass's tests (hil.compile.fuse) use them; TFLM runs them (tests/graphs.py writes the .tflite)."""

from __future__ import annotations

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from hil.compile.synth import _Builder, _fc_options
from hil.compile.tflite import Graph

SIGMOID_Q = (1.0 / 256, -128)  # what TFLM requires of int8 LOGISTIC's output
TANH_Q = (1.0 / 128, 0)
X_RMS = 0.05 * 74  # a uniform int8 input at scale 0.05
W_RMS = 73 * 0.011  # synth's weights: uniform in +-127 at per-channel scales 0.002..0.02


class _Cell:
    """One cell's tensors and ops appended to a builder."""

    def __init__(self, b: _Builder, x: int, h: int, units: int, reshape: bool):
        self.b, self.x, self.h, self.n, self.reshape = b, x, h, units, reshape

    def act(self, name: str, scale: float, q: tuple[float, int] | None = None) -> int:
        t = self.b.act(name, (1, self.n), scale * float(self.b.rng.uniform(0.7, 1.4)))
        if q is not None:
            self.b.tensors[t].scale[:] = q[0]
            self.b.tensors[t].zero_point[:] = q[1]
        return t

    def fc(self, name: str, x: int, rms: float, bias: bool) -> int:
        """A FULLY_CONNECTED of x; its output scale fits about three standard deviations."""
        depth = self.b.tensors[x].shape[-1]
        w = self.b.weights(f"{name}/w", (self.n, depth), 0)
        out = self.act(name, 3 * rms * W_RMS * np.sqrt(depth) / 127)
        b = self.b.bias(f"{name}/b", self.n) if bias else -1
        self.b.op("FULLY_CONNECTED", [x, w, b], [out], _fc_options(False))
        return out

    def flat(self, t: int) -> int:
        """t through a RESHAPE to (units,), as the converter puts one before some ADDs."""
        if not self.reshape:
            return t
        shape = self.b._add(f"shape{len(self.b.tensors)}", "int32", (1,), np.zeros(0, np.float32),
                            np.zeros(0, np.int64), np.array([self.n], np.int32))  # fmt: skip
        out = self.b.like(t, f"{self.b.tensors[t].name}/flat", (self.n,))
        options = schema.ReshapeOptionsT()
        options.newShape = [self.n]
        self.b.op("RESHAPE", [t, shape], [out], options)
        return out

    def binary(self, kind: str, a: int, b: int, name: str, scale: float) -> int:
        out = self.act(name, scale)
        options = getattr(schema, f"{kind.title()}OptionsT")()
        self.b.op(kind, [a, b], [out], options)
        return out

    def unary(self, kind: str, a: int) -> int:
        out = self.act(kind.lower(), 1.0, SIGMOID_Q if kind == "LOGISTIC" else TANH_Q)
        self.b.op(kind, [a], [out], None)
        return out


def gru_cell(b: _Builder, x: int, h: int, units: int, reset_after: bool = True, reshape: bool = True) -> int:
    """Append one GRU cell reading x and the state h; returns the new state's tensor."""
    c = _Cell(b, x, h, units, reshape)
    hx, rx, zx = (c.fc(f"{g}_x", x, X_RMS, True) for g in "hrz")
    hh = c.fc("h_h", h, 0.5, True) if reset_after else None
    r = c.unary("LOGISTIC", c.binary("ADD", rx, c.flat(c.fc("r_h", h, 0.5, False)), "r_pre", 0.06))
    if reset_after:
        rec = c.flat(c.binary("MUL", r, hh, "reset", 0.02))
    else:
        rec = c.flat(c.fc("h_h", c.binary("MUL", r, h, "reset", 0.006), 0.3, False))
    cand = c.unary("TANH", c.binary("ADD", hx, rec, "h_pre", 0.05))
    diff = c.binary("SUB", h, cand, "diff", 0.0157)
    z = c.unary("LOGISTIC", c.binary("ADD", zx, c.flat(c.fc("z_h", h, 0.5, False)), "z_pre", 0.06))
    update = c.flat(c.binary("MUL", z, diff, "update", 0.012))
    return c.binary("ADD", cand, update, "state_out", 1.0 / 128)


def gru_step(in_dim: int, units=(16,), reset_after=(True,), reshape: bool = True, seed: int = 0) -> Graph:
    """x (1, in_dim) through one GRU cell per entry of units (each the next one's x); inputs
    [x, state_0, ...], outputs [new state_0, ...]."""
    b = _Builder(seed)
    x = features = b.act("features", (1, in_dim), 0.05)
    states, outs = [], []
    for k, (n, after) in enumerate(zip(units, reset_after)):
        states.append(b.act(f"state_{k}", (1, n), 1.0 / 128))
        x = gru_cell(b, x, states[-1], n, after, reshape)
        outs.append(x)
    label = f"gru step {in_dim}->{list(units)} reset_after={list(reset_after)}"
    return b.graph([features, *states], outs, label)
