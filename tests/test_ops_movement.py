"""TRANSPOSE, TILE, PACK, UNPACK, RESIZE_NEAREST_NEIGHBOR and REDUCE_MAX: hil's simulator, host build and
emulated board against the golden engine (TFLM; TFLite's reference kernels for TILE and int16
REDUCE_MAX, which TFLM lacks; numpy for int16 TILE, which both lack), byte for byte, on seeded random
shapes, axes and options. Corrupt op records of every new op are refused at load."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import struct

import numpy as np
import pytest

import tensorflow as tf

from hil.compile.compiler import compile_graph, compile_tflite  # noqa: E402
from hil.errors import ModelError  # noqa: E402
from hil.sim import Simulator  # noqa: E402
from tests.graphs import layer_chain_graph, layer_graphs, one_op, op_options, to_tflite  # noqa: E402
from tests.op_golden import assert_same, cached, check, check_on_board, op_names, random_rows  # noqa: E402
from tests.test_ops_elementwise import _corrupt, _rejected, convert, random_shape  # noqa: E402
from tests.conftest import LINK_BOARDS  # noqa: E402


def batch1(rng, rank_lo: int = 2, rank_hi: int = 4, hi: int = 5) -> tuple[int, ...]:
    """A random shape of rank_lo..rank_hi (>= 2) dimensions, the first a batch of 1 (the engines run one row
    at a time)."""
    return (1, *random_shape(rng, int(rng.integers(max(rank_lo, 2), rank_hi + 1)) - 1, hi=hi))


# ---------------------------------------------------------------- TRANSPOSE


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("int16", [False, True])
def test_transpose(int16, seed):
    """Random permutations of the axes after the batch (which stays first: one row per run) of 3- and 4-D
    tensors whose other axes are longer than 1 (the converter turns moves of unit axes into RESHAPE)."""
    rng = np.random.default_rng(seed + 100 * int16)
    rank = int(rng.integers(3, 5))
    perm = list(range(rank))
    while perm == sorted(perm):
        perm = [0] + [int(p) + 1 for p in rng.permutation(rank - 1)]
    shape = (1, *random_shape(rng, rank - 1, lo=2))
    fn = lambda x: tf.transpose(x, perm)  # noqa: E731
    tfl = cached(("TRANSPOSE", int16, seed), lambda: convert(fn, [shape], seed=seed, int16=int16))
    check(tfl, seed=seed, expect=["TRANSPOSE"])


def test_transpose_of_five_axes_that_merge_into_four():
    fn = lambda x: tf.transpose(x, (0, 3, 4, 1, 2))  # noqa: E731
    check(cached(("TRANSPOSE", "5d"), lambda: convert(fn, [(1, 2, 3, 4, 2)])), expect=["TRANSPOSE"])


def test_transpose_of_five_axes_is_refused():
    """Five axes longer than 1: a tensor the runtime cannot hold (refused before the op is encoded)."""
    tfl = convert(lambda x: tf.transpose(x, (4, 3, 2, 1, 0)), [(2, 3, 2, 3, 2)])
    with pytest.raises(ModelError, match=r"5 dimensions.*handles 4"):
        compile_tflite(tfl)


# ---------------------------------------------------------------- TILE


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("dtype", ["int8", "int16"])
def test_tile(dtype, seed):
    """Random multiples, repeated axes of length 1 (UpSampling's) and longer; int16 against numpy."""
    rng = np.random.default_rng(seed + 200)
    shape = batch1(rng, 2, 3, hi=3)
    mult = [1] + [int(m) for m in rng.integers(1, 4, size=len(shape) - 1)]
    graph = one_op("TILE", dtype, [shape], [tuple(d * m for d, m in zip(shape, mult))],
                   consts=[("int32", (len(mult),), mult, ((), ()))])  # fmt: skip
    tfl = to_tflite(graph)
    if dtype == "int8":
        check(tfl, seed=seed, expect=["TILE"])
        return
    (x,) = random_rows(tfl, 4, seed)
    got = Simulator(compile_tflite(tfl).blob).run(x)
    assert_same(got, [np.stack([np.tile(row, mult) for row in x])], "int16 TILE")


# ---------------------------------------------------------------- PACK / UNPACK


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("int16", [False, True])
@pytest.mark.parametrize("name", ["PACK", "UNPACK"])
def test_pack_unpack(name, int16, seed):
    rng = np.random.default_rng(seed + 300 + 7 * int16 + len(name))
    shape, n = batch1(rng, 2, 3), int(rng.integers(2, 5))
    axis = int(rng.integers(1, len(shape) + 1))
    if name == "PACK":
        shapes = [shape] * n
        fn = lambda *xs: tf.stack(list(xs), axis=axis)  # noqa: E731
    else:
        shapes = [shape[:axis] + (n,) + shape[axis:]]
        fn = lambda x: tf.unstack(x, axis=axis)  # noqa: E731
    tfl = cached((name, int16, seed), lambda: convert(fn, shapes, seed=seed, int16=int16))
    assert name in op_names(tfl)  # after a QUANTIZE per int16 input: the converter requantises them alike
    check(tfl, seed=seed)


# ---------------------------------------------------------------- RESIZE_NEAREST_NEIGHBOR


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("align,half", [(False, False), (False, True), (True, False), (True, True)])
@pytest.mark.parametrize("dtype", ["int8", "int16"])
def test_resize_nearest_neighbor(dtype, align, half, seed):
    """Every align_corners / half_pixel_centers combination (TFLM runs them all), up and down, to 1 and from 1."""
    rng = np.random.default_rng(seed + 400 + 2 * align + half)
    h, w, c = (int(v) for v in rng.integers(1, 7, size=3))
    oh, ow = (int(v) for v in rng.integers(1, 13, size=2))
    options = op_options("ResizeNearestNeighbor", alignCorners=align, halfPixelCenters=half)
    graph = one_op("RESIZE_NEAREST_NEIGHBOR", dtype, [(1, h, w, c)], [(1, oh, ow, c)], options,
                   [("int32", (2,), [oh, ow], ((), ()))])  # fmt: skip
    check(to_tflite(graph), seed=seed, expect=["RESIZE_NEAREST_NEIGHBOR"])


def test_tile_beyond_four_merged_axes_is_refused():
    graph = one_op("TILE", "int8", [(1, 2, 3, 2)], [(1, 4, 6, 4)], consts=[("int32", (4,), [1, 2, 2, 2], ((), ()))])
    with pytest.raises(ModelError, match=r"node 0 \(TILE\).*6 dimensions after merging.*handles 4"):
        compile_graph(graph)


def test_resize_from_tf_image():
    fn = lambda x: tf.image.resize(x, (7, 9), method="nearest")  # noqa: E731
    check(cached(("RESIZE", "tf"), lambda: convert(fn, [(1, 4, 5, 3)])), expect=["RESIZE_NEAREST_NEIGHBOR"])


# ---------------------------------------------------------------- REDUCE_MAX


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("int16", [False, True])
def test_reduce_max(int16, seed):
    rng = np.random.default_rng(seed + 500)
    while True:  # something to reduce, and a leading batch of 1 kept
        shape = batch1(rng, 2, 4, hi=6)
        axes = sorted({int(a) for a in rng.integers(1, len(shape), size=int(rng.integers(1, len(shape))))})
        if np.prod([shape[a] for a in axes]) > 1:
            break
    fn = lambda x: tf.reduce_max(x, axis=axes, keepdims=bool(seed % 2))  # noqa: E731
    tfl = cached(("REDUCE_MAX", int16, seed), lambda: convert(fn, [shape], seed=seed, int16=int16))
    check(tfl, seed=seed, expect=["REDUCE_MAX"])


def test_the_layer_ops_chained():
    """All the new op records in one graph, each reading what the one before wrote."""
    check(to_tflite(layer_chain_graph()))


def _requantised(graph, tensor_name: str):
    """The graph with one tensor quantised unlike the others."""
    t = next(t for t in graph.tensors if t.name == tensor_name)
    t.scale, t.zero_point = np.array([0.5], np.float32), np.array([7])
    return graph


i32 = lambda values: ("int32", (len(values),), values, ((), ()))  # noqa: E731
REFUSALS = {
    "TRANSPOSE by no permutation": (lambda: one_op("TRANSPOSE", "int8", [(1, 3, 4)], [(1, 3, 4)],
                                                   consts=[i32([0, 0, 1])]), "does not reorder"),
    "TILE by 0": (lambda: one_op("TILE", "int8", [(1, 3)], [(1, 3)], consts=[i32([1, 0])]), "multiples >= 1"),
    "PACK of unlike quantisation": (lambda: _requantised(layer_graphs()["pack"], "x1"), "quantisation differ"),
    "REDUCE_MAX requantising": (lambda: _requantised(layer_graphs()["reduce-max"], "y0"), "quantised differently"),
    "RESIZE to another depth": (lambda: one_op("RESIZE_NEAREST_NEIGHBOR", "int8", [(1, 2, 2, 3)], [(1, 4, 4, 2)],
                                               consts=[i32([4, 4])]), "does not give"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusals_name_the_node_and_what_was_wanted(case):
    make, why = REFUSALS[case]
    with pytest.raises(ModelError, match=rf"^node 0 \(\w+\): .*{why}"):
        compile_graph(make())


# ---------------------------------------------------------------- corrupt records


def _set(offset_words: int, value: int, fmt: str = "<i"):
    """A change for _corrupt: one word of the op's parameter record."""
    return lambda b, op, p: struct.pack_into(fmt, b, p + 4 * offset_words, value)


CORRUPTIONS = {
    "prelu-alpha-stride": ("prelu", _set(8 + 3, 5)),  # alpha (4 values) walked 5 apart
    "prelu-input-offset": ("prelu", _set(12, 300)),
    "leaky-relu-multiplier": ("leaky-relu", _set(4, -(1 << 31))),
    "leaky-relu-shift": ("leaky-relu", _set(3, 40)),
    "leaky-relu-table": ("leaky-relu", lambda b, op, p: struct.pack_into("<b", b, p + 24 + 200, -77)),
    "hard-swish-table-bytes": ("hard-swish", lambda b, op, p: struct.pack_into("<I", b, op + 12, 255)),
    "maximum-stride": ("maximum", _set(4 + 3, 3)),
    "transpose-count": ("transpose", _set(4, 9)),
    "tile-step": ("tile", _set(6, 40)),
    "pack-bytes": ("pack", _set(2, 2)),
    "unpack-parts": ("unpack", _set(1, 3)),
    "resize-row-map": ("resize-nearest", _set(6, 3)),
    "resize-map-length": ("resize-nearest", lambda b, op, p: struct.pack_into("<I", b, op + 12, 24 + 4 * 11)),
    "reduce-max-dims": ("reduce-max", _set(8 + 3, 3)),
}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_corrupt_params_rejected(case):
    """A record the firmware's prepare() finds out of bounds: the load fails with BAD_MODEL, nothing runs."""
    graph_name, change = CORRUPTIONS[case]
    blob = compile_graph(layer_graphs()[graph_name]).blob
    Simulator(blob)  # the intact blob loads
    _rejected(_corrupt(blob, 0, change))


# ---------------------------------------------------------------- on the boards

BOARD_MODELS = {f"{dtype} {name}": (lambda g=g: to_tflite(g)) for dtype in ("int8", "int16")
                for name, g in layer_graphs(dtype).items() if (name, dtype) != ("tile", "int16")}  # fmt: skip


@pytest.mark.parametrize("board", LINK_BOARDS)
def test_layer_ops_on_the_board_equal_the_golden_engine(board, stm32_elf, host_exe):
    """Every op record the layers add, int8 and int16, on the host build and the emulated NUCLEO."""
    check_on_board(board, BOARD_MODELS)
