"""Seeded HIL_GATED_CONV blocks and one-op graphs without TensorFlow: kernel tests, fuzz seeds, benchmarks.

The weights are random int8 with scales chosen so that every stage's values spread over its int8 range;
`gate_bias` sets the gate logits' bias: large positive (every channel kept), large negative (all pruned) or
0 (a random pattern that changes from frame to frame); `static` makes a block without gating (the gate head
is not run)."""

from __future__ import annotations

import numpy as np

from hil.compile.tflite import Graph, Op, Tensor
from hil.gconv import BlockQ, options

OPEN, CLOSED = 1 << 28, -(1 << 28)


def random_block(channels: int, mid: int, gate_dim: int = 8, kernel: int = 3, dilation: int = 2, seed: int = 0,
                 gate_bias: int = 0, static: bool = False) -> BlockQ:  # fmt: skip
    rng = np.random.default_rng(seed)

    def w(*shape):
        return rng.integers(-127, 128, size=shape).astype(np.int8)

    def scales(n, fan_in):
        return rng.uniform(0.5, 1.5, n).astype(np.float32) / np.float32(40 * np.sqrt(fan_in))

    def bias(n):
        return rng.integers(-2000, 2000, size=n).astype(np.int32)

    zp = lambda: int(rng.integers(-20, 20))  # noqa: E731
    return BlockQ(kernel, dilation, (0.05, zp()), (0.04, -128), (0.04, -128), (0.05, -128), (0.06, zp()),
                  (0.07, zp()), w(gate_dim, channels), scales(gate_dim, channels), bias(gate_dim),
                  w(mid, gate_dim), scales(mid, gate_dim), bias(mid) + np.int32(gate_bias), w(mid, channels),
                  scales(mid, channels), bias(mid), w(kernel, mid), scales(mid, kernel), bias(mid),
                  w(mid, channels), scales(channels, mid), bias(channels), static)  # fmt: skip


def random_frames(q: BlockQ, frames: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(-128, 128, size=(frames, q.channels)).astype(np.int8)


def gconv_graph(q: BlockQ) -> Graph:
    """Input x (1, C) -> outputs [y (1, C), gates (1, M)]: one HIL_GATED_CONV op."""
    tensors: list[Tensor] = []

    def add(name, dtype, shape, scale=(), zp=(), data=None, qdim=0, variable=False) -> int:
        tensors.append(Tensor(len(tensors), name, dtype, tuple(shape), np.asarray(scale, np.float32),
                              np.asarray(zp, np.int64), qdim, data, variable))  # fmt: skip
        return len(tensors) - 1

    x = add("x", "int8", (1, q.channels), [q.x_q[0]], [q.x_q[1]])
    hist = add("history", "int8", (options.history_bytes(q.kernel, q.dilation, q.mid),), [q.u_q[0]], [q.u_q[1]],
               variable=True)  # fmt: skip
    consts = [add(f"gconv/{name}", str(data.dtype), data.shape, [] if s is None else s,
                  [] if s is None else np.zeros(len(s)), data, qdim) for name, data, s, qdim in options.const_inputs(q)]
    y = add("y", "int8", (1, q.channels), [q.y_q[0]], [q.y_q[1]])
    gates = add("gates", "int8", (1, q.mid), [1.0], [0])
    op = Op(0, options.CUSTOM_CODE, [x, hist] + consts, [y, gates], None, options.encode(q))
    graph = Graph(tensors, [op], [x], [y, gates], "<gated-conv synth>")
    for t in op.inputs:
        graph.consumers.setdefault(t, []).append(0)
    return graph
