"""Seeded MP-GRU layers and one-op graphs without TensorFlow: kernel tests, fuzz seeds, benchmarks.

The float cell is random (Glorot-like weights, small biases), calibrated on random inputs the
way hil.mpgru.calib calibrates a trained model; the graph is what hil.convert.mpgru_surgery makes of a
cell: one HIL_MP_GRU op reading x and the state, writing the new state."""

from __future__ import annotations

import numpy as np

from hil.compile.tflite import Graph, Op, Tensor
from hil.mpgru import options
from hil.mpgru.genome import to_config
from hil.mpgru.quant import FloatCell, LayerQ, float_gru_step, quantize_layer

X_SCALE, X_ZP = 0.03, -5


def random_cell(in_dim: int, units: int, seed: int = 0) -> FloatCell:
    rng = np.random.default_rng(seed)
    w = lambda n_in: rng.normal(0, np.sqrt(2.0 / (n_in + units)), size=(units, n_in))  # noqa: E731
    return FloatCell({g: w(in_dim) for g in "zrh"}, {g: w(units) for g in "zrh"},
                     {k: rng.normal(0, 0.3, units) for k in ("z", "r", "h_in", "h_rec")})  # fmt: skip


def random_inputs(in_dim: int, n: int, t: int, seed: int = 0) -> np.ndarray:
    """Float GRU inputs (n, t, in_dim) that the int8 input quantisation (X_SCALE, X_ZP) covers."""
    return np.random.default_rng(seed).uniform(-3.5, 3.5, size=(n, t, in_dim))


def calibrate_cell(cell: FloatCell, x: np.ndarray) -> tuple[dict, np.ndarray]:
    """(ranges, float states (n, t, units)) of the float cell over x (n, t, in_dim) from zero states."""
    h = np.zeros((x.shape[0], cell.units))
    peaks = dict.fromkeys(("z_pre", "r_pre", "h_pre", "rh", "zh", "h"), 0.0)
    states = np.empty(x.shape[:2] + (cell.units,))
    for i in range(x.shape[1]):
        h, inter = float_gru_step(cell, x[:, i], h)
        states[:, i] = h
        for k in peaks:
            peaks[k] = max(peaks[k], float(np.abs(inter[k]).max()))
    return peaks, states


def quantize_x(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x / X_SCALE) + X_ZP, -128, 127).astype(np.int8)


def random_layer(in_dim: int, units: int, genome, seed: int = 0) -> LayerQ:
    cell = random_cell(in_dim, units, seed)
    ranges, _ = calibrate_cell(cell, random_inputs(in_dim, 8, 20, seed + 1))
    return quantize_layer(cell, ranges, X_SCALE, X_ZP, to_config(genome)[0])


def mp_graph(q: LayerQ, batch: int = 1) -> Graph:
    """Inputs [x (batch, in_dim), state (batch, units)] -> output [state_out]: one HIL_MP_GRU op."""
    tensors: list[Tensor] = []

    def add(name, dtype, shape, scale=(), zp=(), data=None) -> int:
        tensors.append(Tensor(len(tensors), name, dtype, tuple(shape), np.asarray(scale, np.float32),
                              np.asarray(zp, np.int64), 0, data))  # fmt: skip
        return len(tensors) - 1

    x = add("x", "int8", (batch, q.in_dim), [q.x_scale], [q.x_zp])
    h = add("state", "int8", (batch, q.units), [q.h_scale], [0])
    consts = [add(f"mp_gru/{name}", "uint8", data.shape, data=data) for name, data in options.packed_inputs(q)]
    out = add("state_out", "int8", (batch, q.units), [q.h_scale], [0])
    op = Op(0, options.CUSTOM_CODE, [x, h] + consts, [out], None, options.encode(q))
    graph = Graph(tensors, [op], [x, h], [out], "<mp-gru synth>")
    for t in op.inputs:
        graph.consumers.setdefault(t, []).append(0)
    return graph
