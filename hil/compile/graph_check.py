"""Structural checks of a graph before any encoder reads it: every tensor index in range, every tensor's
shape and quantisation sane, every op with the inputs, outputs and options its encoder reads, and the
ops in an order where each reads only what is already there. A graph that fails is a ModelError
saying what was wanted and what was got, naming the node or tensor; the encoders then check what
the runtime supports, on a graph they can index without fear."""

from __future__ import annotations

import math

import numpy as np

from hil.compile.ops import check_form
from hil.compile.tflite import Graph, Op, Tensor, check_fixed_shape, dims
from hil.errors import ModelError

MAX_TENSOR_BYTES = 1 << 28  # 256 MiB: more than any microcontroller addresses; keeps every size in 32 bits
# Quantisation scales beyond these are no converter's output; within them every figure Prepare derives
# (ratios and products of up to three scales, 6.0 / scale in float32) stays finite.
MIN_SCALE, MAX_SCALE = 1e-30, 1e30
ZERO_POINTS = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767)}
INT32 = (-(1 << 31), (1 << 31) - 1)


def _where(graph: Graph, t: Tensor) -> str:
    return f"{graph.source}: tensor {t.index} ({t.name!r})"


def check_shape(graph: Graph, t: Tensor) -> None:
    """Fixed, and within MAX_TENSOR_BYTES; a computed tensor holds something (a constant may be empty:
    the shape operand of a reshape to a scalar)."""
    check_fixed_shape(_where(graph, t), t.shape)
    if not t.is_const and 0 in t.shape:
        raise ModelError(f"{_where(graph, t)}: wanted a computed tensor with every dimension >= 1, "
                         f"got {dims(t.shape)}")  # fmt: skip
    size = max([math.prod(t.shape) * np.dtype(t.dtype).itemsize, *t.shape])
    if size > MAX_TENSOR_BYTES:
        raise ModelError(f"{_where(graph, t)}: {t.dtype}{dims(t.shape)} is {size:,} bytes; "
                         f"hil handles tensors up to {MAX_TENSOR_BYTES:,}")  # fmt: skip


def check_quantization(graph: Graph, t: Tensor) -> None:
    """Scales and zero points: one zero point per scale, per-channel along a real axis with one scale per
    channel, scales finite within range (0 only in constants), zero points in the type's range (int32's
    for types without one: the blob records them as int32)."""
    where = _where(graph, t)
    if t.zero_point.size != t.scale.size:
        raise ModelError(f"{where}: wanted one zero point per scale, got {t.scale.size} scales and "
                         f"{t.zero_point.size} zero points")  # fmt: skip
    if t.scale.size == 0:
        return
    if t.scale.size > 1 and not (0 <= t.quantized_dimension < len(t.shape)
                                 and t.shape[t.quantized_dimension] == t.scale.size):  # fmt: skip
        raise ModelError(f"{where}: {t.scale.size} per-channel scales along axis {t.quantized_dimension} "
                         f"do not fit shape {dims(t.shape)}")  # fmt: skip
    scales = t.scale.astype(np.float64)
    ok = np.isfinite(scales) & (((scales >= MIN_SCALE) & (scales <= MAX_SCALE)) | ((scales == 0) & t.is_const))
    if not ok.all():
        raise ModelError(f"{where}: wanted quantisation scales in [{MIN_SCALE:g}, {MAX_SCALE:g}]"
                         f"{' (or 0)' if t.is_const else ''}, got {scales[~ok][0]:g}")  # fmt: skip
    lo, hi = ZERO_POINTS.get(t.dtype, INT32)
    if t.zero_point.min() < lo or t.zero_point.max() > hi:
        raise ModelError(f"{where}: wanted {t.dtype} zero points in [{lo}, {hi}], "
                         f"got {t.zero_point.min()}..{t.zero_point.max()}")  # fmt: skip


def _check_indices(graph: Graph, what: str, indices: list[int], optional: bool) -> None:
    low = -1 if optional else 0
    for k, i in enumerate(indices):
        if not low <= i < len(graph.tensors):
            raise ModelError(f"{what} {k}: wanted a tensor index in {low}..{len(graph.tensors) - 1}, got {i}")


def _check_io(graph: Graph) -> None:
    for what, indices in (("model input", graph.inputs), ("model output", graph.outputs)):
        if not indices:
            raise ModelError(f"{graph.source}: wanted at least one {what}, got none")
        _check_indices(graph, f"{graph.source}: {what}", indices, optional=False)
        if len(set(indices)) != len(indices):
            raise ModelError(f"{graph.source}: a {what} is listed twice ({indices})")


def _check_op(graph: Graph, op: Op, inputs: set[int], written: dict[int, int]) -> None:
    """One op in order: indices in range, its form, reads only what exists, writes what nothing else writes."""
    _check_indices(graph, f"{graph.source}: {op.where()}: input", op.inputs, optional=True)
    _check_indices(graph, f"{graph.source}: {op.where()}: output", op.outputs, optional=False)
    check_form(op)
    for i in op.inputs:
        t = graph.tensor(i)
        if t is not None and not t.is_const and not t.variable and i not in written and i not in inputs:
            raise ModelError(f"{graph.source}: {op.where()} reads tensor {i} ({t.name!r}), which no earlier node "
                             "writes and which is not a model input")  # fmt: skip
    for i in op.outputs:
        t = graph.tensors[i]
        if t.is_const or i in inputs or i in written:
            what = ("a constant" if t.is_const else "a model input" if i in inputs
                    else f"also written by node {written[i]}")  # fmt: skip
            raise ModelError(f"{graph.source}: {op.where()} writes tensor {i} ({t.name!r}), {what}")
        written[i] = op.index


def check_graph(graph: Graph) -> None:
    """ModelError at the first structural fault of the graph (see the module's docstring)."""
    for t in graph.tensors:
        check_shape(graph, t)
        check_quantization(graph, t)
    _check_io(graph)
    inputs, written = set(graph.inputs), {}
    for op in graph.ops:
        _check_op(graph, op, inputs, written)
    for i in graph.outputs:
        if i not in written and i not in inputs:
            name = graph.tensors[i].name
            raise ModelError(f"{graph.source}: model output tensor {i} ({name!r}) is written by no node")
