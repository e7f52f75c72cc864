"""Seeded synthetic int8 graphs, built without TensorFlow: kernel benchmarks and fast tests.

They look like what the TFLite converter emits (per-channel symmetric int8
weights, int32 biases, per-tensor activations) with option records from the
TFLite schema itself."""

from __future__ import annotations

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from hil.compile.tflite import Graph, Op, Tensor


class _Builder:
    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.tensors: list[Tensor] = []
        self.ops: list[Op] = []

    def act(self, name: str, shape, scale: float, dtype: str = "int8") -> int:
        zp = int(self.rng.integers(-16, 16)) if dtype == "int8" else 0
        return self._add(name, dtype, shape, np.array([scale], np.float32), np.array([zp]), None)

    def like(self, t: int, name: str, shape, data=None) -> int:
        """A tensor quantised as tensor t."""
        src = self.tensors[t]
        return self._add(name, src.dtype, shape, src.scale.copy(), src.zero_point.copy(), data)

    def weights(self, name: str, shape, channel_axis: int) -> int:
        data = self.rng.integers(-127, 128, size=shape, dtype=np.int8)
        channels = shape[channel_axis]
        scales = self.rng.uniform(0.002, 0.02, size=channels).astype(np.float32)
        return self._add(name, "int8", shape, scales, np.zeros(channels, np.int64), data, channel_axis)

    def bias(self, name: str, n: int) -> int:
        data = self.rng.integers(-3000, 3000, size=n).astype(np.int32)
        return self._add(name, "int32", (n,), np.zeros(n, np.float32), np.zeros(n, np.int64), data)

    def _add(self, name, dtype, shape, scale, zp, data, qdim=0) -> int:
        self.tensors.append(Tensor(len(self.tensors), name, dtype, tuple(shape), scale, zp, qdim, data))
        return len(self.tensors) - 1

    def op(self, name: str, inputs, outputs, options) -> None:
        self.ops.append(Op(len(self.ops), name, list(inputs), list(outputs), options))

    def graph(self, inputs, outputs, label: str) -> Graph:
        graph = Graph(self.tensors, self.ops, list(inputs), list(outputs), label)
        for op in self.ops:
            for t in op.inputs:
                graph.consumers.setdefault(t, []).append(op.index)
        return graph


def _fc_options(relu: bool):
    o = schema.FullyConnectedOptionsT()
    o.fusedActivationFunction = schema.ActivationFunctionType.RELU if relu else schema.ActivationFunctionType.NONE
    return o


def mlp(dims=(40, 64, 10), seed: int = 0, batch: int = 1) -> Graph:
    """Dense layers dims[0] -> ... -> dims[-1]; ReLU between layers."""
    b = _Builder(seed)
    x = first = b.act("input", (batch, dims[0]), 0.05)
    for i, (n_in, n_out) in enumerate(zip(dims, dims[1:])):
        w, bias = b.weights(f"w{i}", (n_out, n_in), 0), b.bias(f"b{i}", n_out)
        y = b.act(f"act{i}", (batch, n_out), 0.1 + 0.05 * i)
        b.op("FULLY_CONNECTED", [x, w, bias], [y], _fc_options(i < len(dims) - 2))
        x = y
    return b.graph([first], [x], f"mlp{tuple(dims)}")


def conv2d(h: int, w: int, cin: int, cout: int, k=(1, 1), stride=1, dilation=1, same=True, seed=0) -> Graph:
    b = _Builder(seed)
    x = b.act("input", (1, h, w, cin), 0.05)
    wt, bias = b.weights("w", (cout, k[0], k[1], cin), 0), b.bias("b", cout)
    oh = -(-h // stride) if same else (h - dilation * (k[0] - 1) - 1) // stride + 1
    ow = -(-w // stride) if same else (w - dilation * (k[1] - 1) - 1) // stride + 1
    y = b.act("output", (1, oh, ow, cout), 0.2)
    o = schema.Conv2DOptionsT()
    o.padding = schema.Padding.SAME if same else schema.Padding.VALID
    o.strideH = o.strideW = stride
    o.dilationHFactor = o.dilationWFactor = dilation
    o.fusedActivationFunction = schema.ActivationFunctionType.RELU
    b.op("CONV_2D", [x, wt, bias], [y], o)
    return b.graph([x], [y], f"conv{k[0]}x{k[1]} {h}x{w}x{cin}->{cout}")


def depthwise(h: int, w: int, channels: int, k=(1, 3), dilation=1, multiplier=1, seed=0) -> Graph:
    """A (dilated) depthwise conv with SAME padding: k=(1, 3) on h=1 is the 1-D audio case."""
    b = _Builder(seed)
    x = b.act("input", (1, h, w, channels), 0.05)
    cout = channels * multiplier
    wt, bias = b.weights("w", (1, k[0], k[1], cout), 3), b.bias("b", cout)
    y = b.act("output", (1, h, w, cout), 0.2)
    o = schema.DepthwiseConv2DOptionsT()
    o.padding = schema.Padding.SAME
    o.strideH = o.strideW = 1
    o.depthMultiplier = multiplier
    o.dilationHFactor = o.dilationWFactor = dilation
    o.fusedActivationFunction = schema.ActivationFunctionType.NONE
    b.op("DEPTHWISE_CONV_2D", [x, wt, bias], [y], o)
    return b.graph([x], [y], f"dwconv{k[0]}x{k[1]} d{dilation} {h}x{w}x{channels}")


def _pool_size(n: int, k: int, stride: int, same: bool) -> int:
    return -(-n // stride) if same else (n - k) // stride + 1


def pool2d(h: int, w: int, channels: int, k=(2, 2), stride=(2, 2), same=False, kind="AVERAGE_POOL_2D",
           dtype="int8", activation=0, seed=0) -> Graph:  # fmt: skip
    """AVERAGE_POOL_2D or MAX_POOL_2D over an NHWC input; the output shares the input's quantisation."""
    b = _Builder(seed)
    x = b.act("input", (1, h, w, channels), 0.05, dtype)
    out = (1, _pool_size(h, k[0], stride[0], same), _pool_size(w, k[1], stride[1], same), channels)
    y = b.like(x, "output", out)
    o = schema.Pool2DOptionsT()
    o.padding = schema.Padding.SAME if same else schema.Padding.VALID
    o.strideH, o.strideW, o.filterHeight, o.filterWidth = *stride, *k
    o.fusedActivationFunction = activation
    b.op(kind, [x], [y], o)
    return b.graph([x], [y], f"{kind.lower()} {k[0]}x{k[1]}/{stride[0]}x{stride[1]} {h}x{w}x{channels} {dtype}")


def pad(shape, pads, dtype="int8", value=None, seed=0) -> Graph:
    """PAD (or PADV2 with a constant value, raw, in the input's quantisation) by (before, after) per axis."""
    b = _Builder(seed)
    x = b.act("input", tuple(shape), 0.05, dtype)
    y = b.like(x, "output", tuple(d + lo + hi for d, (lo, hi) in zip(shape, pads)))
    paddings = b._add("paddings", "int32", (len(shape), 2), np.zeros(0, np.float32), np.zeros(0, np.int64),
                      np.array(pads, np.int32))  # fmt: skip
    inputs = [x, paddings] + ([] if value is None else [b.like(x, "value", (), np.array(value, dtype))])
    b.op("PAD" if value is None else "PADV2", inputs, [y], None)
    return b.graph([x], [y], f"pad {list(shape)} by {list(pads)} {dtype}")


def activation(kind: str, n: int, dtype: str = "int8", seed: int = 0) -> Graph:
    """LOGISTIC or TANH over n elements, quantised as TFLM requires (int8 output 1/256 from -128 or 1/128 about
    0; int16 2^-15, zero points 0), the input spanning about -6..6."""
    b = _Builder(seed)
    x = b.act("input", (1, n), 0.05 if dtype == "int8" else 6.0 / 32768, dtype)
    scale = 2.0**-15 if dtype == "int16" else 1 / 256 if kind == "LOGISTIC" else 1 / 128
    zp = -128 if dtype == "int8" and kind == "LOGISTIC" else 0
    y = b._add("output", dtype, (1, n), np.array([scale], np.float32), np.array([zp]), None)
    b.op(kind, [x], [y], None)
    return b.graph([x], [y], f"{kind.lower()} {n} {dtype}")


_BINARY_OPTIONS = {"ADD": schema.AddOptionsT, "SUB": schema.SubOptionsT, "MUL": schema.MulOptionsT}


def binary(kind: str, a_shape, b_shape, dtype: str = "int8", seed: int = 0) -> Graph:
    """ADD, SUB or MUL of two computed inputs; b_shape broadcasts against a_shape (a per-channel vector)."""
    b = _Builder(seed)
    x1, x2 = b.act("a", tuple(a_shape), 0.05, dtype), b.act("b", tuple(b_shape), 0.03, dtype)
    y = b.act("output", np.broadcast_shapes(tuple(a_shape), tuple(b_shape)), 0.08, dtype)
    b.op(kind, [x1, x2], [y], _BINARY_OPTIONS[kind]())
    return b.graph([x1, x2], [y], f"{kind.lower()} {list(a_shape)} {list(b_shape)} {dtype}")


def chain(kind: str, n_ops: int, seed: int = 0) -> Graph:
    """n_ops ops in a row on one int8 element, to weigh what an op costs beyond its work: RESHAPE (its output
    aliases its input: nothing to do) or ADD of a constant."""
    b = _Builder(seed)
    x = first = b.act("input", (1, 1), 0.05)
    c = b.like(x, "c", (1, 1), np.array([[3]], np.int8))
    for i in range(n_ops):
        if kind == "ADD":
            y = b.act(f"y{i}", (1, 1), 0.05 + 0.001 * i)
            b.op(kind, [x, c], [y], schema.AddOptionsT())
        else:
            y = b.like(x, f"y{i}", (1, 1))
            b.op(kind, [x], [y], None)
        x = y
    return b.graph([first], [x], f"{n_ops} x {kind.lower()}")
