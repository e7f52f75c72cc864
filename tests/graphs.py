"""Seeded int8 test graphs built directly (no TensorFlow): fast models for link and loader tests."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from hil.compile.compiler import CompiledModel, compile_graph
from hil.compile.tflite import Graph, Op, Tensor


def _q(i, name, shape, scale, zp=0, dtype="int8", data=None, channels=None):
    scales = np.full(channels or 1, scale, dtype=np.float32)
    return Tensor(i, name, dtype, tuple(shape), scales, np.full(channels or 1, zp, np.int64), 0, data)


def mlp_graph(dims=(40, 64, 10), seed=0, relu=True) -> Graph:
    """Dense layers in_dim -> ... -> out_dim with per-channel int8 weights, like the converter emits."""
    rng = np.random.default_rng(seed)
    tensors = [_q(0, "input", (1, dims[0]), 0.05, int(rng.integers(-10, 10)))]
    ops = []
    for layer, (n_in, n_out) in enumerate(zip(dims, dims[1:])):
        w = rng.integers(-127, 128, size=(n_out, n_in), dtype=np.int8)
        b = rng.integers(-2000, 2000, size=n_out).astype(np.int32)
        base = len(tensors)
        tensors += [
            _q(base, f"w{layer}", (n_out, n_in), 0.01, data=w, channels=n_out),
            Tensor(base + 1, f"b{layer}", "int32", (n_out,), np.zeros(n_out, np.float32), np.zeros(n_out, np.int64), 0, b),
            _q(base + 2, f"act{layer}", (1, n_out), 0.1 + 0.05 * layer, int(rng.integers(-20, 20))),
        ]
        last = layer == len(dims) - 2
        options = SimpleNamespace(fusedActivationFunction=1 if relu and not last else 0)
        ops.append(Op(layer, "FULLY_CONNECTED", [base - 1 if layer else 0, base, base + 1], [base + 2], options))
    return Graph(tensors, ops, [0], [len(tensors) - 1], f"mlp{dims}")


def mlp_model(dims=(40, 64, 10), seed=0) -> CompiledModel:
    return compile_graph(mlp_graph(dims, seed))
