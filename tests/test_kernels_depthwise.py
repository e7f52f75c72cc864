"""The optimised int8 depthwise kernel against the reference, byte for byte, on seeded random shapes.

Most of them take the 3-wide path (a channel at a time from int16 planes: stride 1, depth multiplier
1): heights 1 to 5 (1 and 3 run its M4 asm loops on the board, 2, 4 and 5 its C form), dilations up to
past the width, rows of odd and even length, channel counts that leave a tail of 1-3. The simulator
runs the portable C form of both paths; the emulated board runs the M4 instructions. TFLM agreement
is tests/test_ops_mac.py's job (these graphs are built directly, not by the converter)."""

from __future__ import annotations

import numpy as np
import pytest

from hil.compile import synth
from hil.compile.compiler import compile_graph
from hil.compile.ops.depthwise_conv import dw_scratch_bytes
from hil.sim import Simulator

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


SHAPES = _shapes(24)


def _model(shape: tuple):
    h, w, c, k_h, dilation = shape
    return compile_graph(synth.depthwise(h, w, c, k=(k_h, 3), dilation=dilation, seed=sum(shape)))


def _rows(model, seed: int) -> np.ndarray:
    n = model.inputs[0].nbytes
    return np.random.default_rng(seed).integers(-128, 128, (ROWS, n), dtype=np.int64).astype(np.int8)


def test_most_shapes_take_the_3_wide_path():
    wide = [s for s in SHAPES if dw_scratch_bytes((s[0], s[1], s[2]), (s[3], 3), (1, 1), (s[4], s[4]), 1) > 0]
    assert len(wide) == len(SHAPES)  # small shapes: the planes always fit the scratch bound


@pytest.mark.parametrize("shape", SHAPES, ids=[f"{h}x{w}x{c}-k{k}x3-d{d}" for h, w, c, k, d in SHAPES])
def test_simulator_optimised_matches_reference(shape):
    model = _model(shape)
    sim = Simulator(model.blob)
    x = _rows(model, seed=sum(shape)).reshape((ROWS, *model.inputs[0].shape[1:]))
    opt = sim.run(x, reference=False)[0]  # first: an output the optimised path leaves unwritten shows
    ref = sim.run(x, reference=True)[0]
    assert np.array_equal(opt, ref), f"{shape}: {int(np.sum(opt != ref))} of {opt.size} outputs differ"


@pytest.mark.slow
def test_board_optimised_matches_reference(stm32_elf):
    from tests.conftest import open_board

    with open_board("qemu-f446") as s:
        for shape in SHAPES:
            model = _model(shape)
            s.upload_model(model.blob)
            for i, row in enumerate(_rows(model, seed=sum(shape))):
                _, opt = s.invoke(row.tobytes(), reference=False)
                _, ref = s.invoke(row.tobytes(), reference=True)
                diff = int(np.sum(np.frombuffer(opt, np.int8) != np.frombuffer(ref, np.int8)))
                assert opt == ref, f"{shape} row {i}: {diff} of {len(ref)} outputs differ on the board"
