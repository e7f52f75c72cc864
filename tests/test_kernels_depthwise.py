"""The optimised int8 depthwise kernel against the reference, byte for byte, on seeded random shapes.

Two families. 2-D shapes mostly take the 3-wide path (a channel at a time from int16 planes: stride 1,
depth multiplier 1): heights 1 to 5 (1 and 3 run its M4 asm loops on the board, 2, 4 and 5 its C form),
dilations up to past the width, rows of odd and even length, channel counts that leave a tail of 1-3.
1-D shapes (height 1) take the 1-D path where it applies (3 taps, stride 1: chains of a dilation's
phase from the compiler's per-channel table, one asm loop per shift) and the general path otherwise:
widths from 1 (a streaming step) up, odd channel counts, dilations 1, 2 and 4, kernels 2-5, strides
1 and 2, SAME and VALID padding, per-channel quantisation. The simulator runs the portable C form of
each path; the emulated board runs the M4 instructions. TFLM agreement is tests/test_ops_mac.py's job
(these graphs are built directly, not by the converter)."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from hil.compile import synth
from hil.compile.compiler import compile_graph
from hil.compile.ops import DataWriter
from hil.compile.ops.depthwise_conv import depthwise_conv_2d, dw_scratch_bytes
from hil.sim import Simulator
from tests.conftest import EMULATED_BOARDS

SEED = 20261130
ROWS = 3


def _shapes(n: int) -> list[tuple]:
    rng = np.random.default_rng(SEED)
    shapes = []
    for _ in range(n):
        k_h = int(rng.choice([1, 1, 3, 3, 2, 5]))
        h = 1 if k_h == 1 else int(rng.integers(1, 7))
        shapes.append((h, int(rng.integers(1, 14)), int(rng.integers(1, 10)), k_h, int(rng.integers(1, 5))))
    return shapes


def _shapes_1d(n: int) -> list[tuple]:
    """(width, channels, k, dilation, stride, same): a third of them VALID with exactly one output."""
    rng = np.random.default_rng(SEED + 1)
    shapes = []
    for i in range(n):
        k, d = int(rng.choice([3, 3, 3, 2, 4, 5])), int(rng.choice([1, 2, 4]))
        stride = 2 if i % 7 == 6 else 1
        c = int(rng.choice([1, 3, 5, 8, 13, 16, 33]))
        if i % 3 == 0:
            shapes.append(((k - 1) * d + 1, c, k, d, stride, False))  # a streaming step
        else:
            same = bool(i % 3 == 1)
            w = int(rng.integers(1, 30)) + (0 if same else (k - 1) * d)
            shapes.append((w, c, k, d, stride, same))
    return shapes


SHAPES = _shapes(24)
SHAPES_1D = _shapes_1d(30)


def _model(shape: tuple):
    h, w, c, k_h, dilation = shape
    return compile_graph(synth.depthwise(h, w, c, k=(k_h, 3), dilation=dilation, seed=sum(shape)))


def _model_1d(shape: tuple):
    w, c, k, d, stride, same = shape
    return compile_graph(synth.depthwise(1, w, c, k=(1, k), dilation=d, seed=w + c + k, same=same, stride=stride))


def _rows(model, seed: int) -> np.ndarray:
    n = model.inputs[0].nbytes
    return np.random.default_rng(seed).integers(-128, 128, (ROWS, n), dtype=np.int64).astype(np.int8)


def _takes_1d(shape: tuple) -> bool:
    """Whether the compiler writes the 1-D path's table (the record's last field) for the shape."""
    w, c, k, d, stride, same = shape
    g = synth.depthwise(1, w, c, k=(1, k), dilation=d, seed=w + c + k, same=same, stride=stride)
    spec = depthwise_conv_2d(g.ops[0], g, DataWriter(0))
    return struct.unpack_from("<I", spec.params, len(spec.params) - 4)[0] != 0


def test_most_shapes_take_the_3_wide_path():
    wide = [s for s in SHAPES if dw_scratch_bytes((s[0], s[1], s[2]), (s[3], 3), (1, 1), (s[4], s[4]), 1) > 0]
    assert len(wide) == len(SHAPES)  # small shapes: the planes always fit the scratch bound


def test_the_1d_path_takes_every_3_tap_stride_1_shape():
    taken = [s for s in SHAPES_1D if _takes_1d(s)]
    assert taken == [s for s in SHAPES_1D if s[2] == 3 and s[4] == 1]
    assert len(taken) >= 10 and any(s[0] == 1 + 2 * s[3] and not s[5] for s in taken)  # a streaming step among them


def _check_sim(model, seed: int, what) -> None:
    sim = Simulator(model.blob)
    x = _rows(model, seed=seed).reshape((ROWS, *model.inputs[0].shape[1:]))
    opt = sim.run(x, reference=False)[0]  # first: an output the optimised path leaves unwritten shows
    ref = sim.run(x, reference=True)[0]
    assert np.array_equal(opt, ref), f"{what}: {int(np.sum(opt != ref))} of {opt.size} outputs differ"


@pytest.mark.parametrize("shape", SHAPES, ids=[f"{h}x{w}x{c}-k{k}x3-d{d}" for h, w, c, k, d in SHAPES])
def test_simulator_optimised_matches_reference(shape):
    _check_sim(_model(shape), sum(shape), shape)


IDS_1D = [f"w{w}-c{c}-k{k}-d{d}-s{s}-{'same' if same else 'valid'}" for w, c, k, d, s, same in SHAPES_1D]


@pytest.mark.parametrize("shape", SHAPES_1D, ids=IDS_1D)
def test_simulator_1d_optimised_matches_reference(shape):
    _check_sim(_model_1d(shape), shape[0] + shape[1], shape)


def _check_board(s, model, seed: int, what) -> None:
    s.upload_model(model.blob)
    for i, row in enumerate(_rows(model, seed=seed)):
        _, opt = s.invoke(row.tobytes(), reference=False)
        _, ref = s.invoke(row.tobytes(), reference=True)
        diff = int(np.sum(np.frombuffer(opt, np.int8) != np.frombuffer(ref, np.int8)))
        assert opt == ref, f"{what} row {i}: {diff} of {len(ref)} outputs differ on the board"


@pytest.mark.slow
@pytest.mark.parametrize("board", EMULATED_BOARDS)  # the optimised depthwise runs on both cores (kernel_sets/)
def test_board_optimised_matches_reference(board):
    from tests.conftest import open_board

    with open_board(board) as s:
        for shape in SHAPES:
            _check_board(s, _model(shape), sum(shape), shape)
        for shape in SHAPES_1D:
            _check_board(s, _model_1d(shape), shape[0] + shape[1], shape)
