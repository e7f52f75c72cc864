"""The RISC-V ports' own kernels (firmware/src/kernels/rv32/: FULLY_CONNECTED, CONV_2D, GRU_STEP_S8 and
the int8 pools, plain C for rv32imc) against the reference, byte for byte, on seeded random shapes.

The shapes reach every path of the FC kernel: eight, four and single output rows a pass, two input rows
at a time (batches, a conv's pixel pairs) and a last one alone, input lengths with a tail of 1-3 bytes,
and requantisation by the compiler's table and, where a channel's shift is >= 0 (no table), by
hil_requantize_fast; convs pointwise or gathered (padding, strides, dilation), GRU cells of either reset
order, pools whose channels leave groups of 8, 4 and single ones, with every fused clamp. The simulator of
the RISC-V ports' kernels (hil.sim.Simulator(..., core="rv32imc"), the same C on the host) runs them here;
the emulated boards run them in their own code (qemu-rv32; qemu-f446 runs its M4 kernels on the same
shapes). TFLM agreement is the op tests' job (test_ops_mac.py, test_ops_pool.py, test_gru_fuse.py run
every simulator core)."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from hil.compile import synth, synth_gru
from hil.compile.blob import read_blob
from hil.compile.compiler import compile_graph
from hil.compile.ops import OpCode
from hil.sim import Simulator
from tests.conftest import EMULATED_BOARDS

SEED = 20261201
ROWS = 3
RV32 = "rv32imc"
FC_REQUANT_FIELD = 28  # the FC record's requant table offset (hil/compile/ops/fully_connected.py)


def _fc_shapes(n: int) -> list[tuple[int, int, int]]:
    """(in_dim, out_dim, batches); out_dim up to 27 covers 8 + 8 + 8 + 3 rows, in_dim every tail."""
    rng = np.random.default_rng(SEED)
    fixed = [(56, 56, 1), (161, 56, 1), (56, 161, 1), (64, 13, 1), (33, 7, 2), (3, 1, 3)]
    return fixed + [(int(rng.integers(1, 90)), int(rng.integers(1, 28)), int(rng.integers(1, 4))) for _ in range(n)]


def _conv_shapes(n: int) -> list[tuple]:
    """(h, w, in_ch, out_ch, k, stride, dilation, same); a third pointwise (several pixels, one FC)."""
    rng = np.random.default_rng(SEED + 1)
    shapes = []
    for i in range(n):
        k = 1 if i % 3 == 0 else int(rng.choice([2, 3]))
        stride, dilation = (1, 1) if k == 1 else (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        reach = (k - 1) * dilation + 1
        h, w = (int(rng.integers(reach, reach + 6)) for _ in range(2))
        shapes.append((h, w, int(rng.integers(1, 20)), int(rng.integers(1, 20)), k, stride, dilation, k == 1 or i % 2))
    return shapes


GRU_SHAPES = [(56, 56, True), (161, 56, False), (13, 5, True), (3, 17, False), (40, 9, True)]


def _pool_shapes(n: int) -> list[tuple]:
    """(kind, h, w, channels, k, stride, same, activation)."""
    rng = np.random.default_rng(SEED + 2)
    shapes = []
    for i in range(n):
        k = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
        same = bool(i % 2)
        h, w = (int(rng.integers(1 if same else k[j], 12)) for j in range(2))
        stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        kind = "AVERAGE_POOL_2D" if i % 2 == 0 else "MAX_POOL_2D"
        shapes.append((kind, h, w, int(rng.integers(1, 22)), k, stride, same, int(rng.integers(0, 4))))
    return shapes


FC_SHAPES, CONV_SHAPES, POOL_SHAPES = _fc_shapes(18), _conv_shapes(15), _pool_shapes(16)


def _no_table_fc(in_dim: int, out_dim: int):
    """A FULLY_CONNECTED whose output scale puts some channels' shift at >= 0: the compiler writes no
    requantisation table, and the kernels requantise by hil_requantize_fast."""
    g = synth.mlp((in_dim, out_dim), seed=in_dim)
    g.tensors[g.outputs[0]].scale[:] = 4e-4  # 0.05 * (0.002..0.02) / 4e-4: multipliers of 0.25..2.5
    return g


def _fc(shape):
    in_dim, out_dim, batches = shape
    return synth.mlp((in_dim, out_dim), seed=in_dim * 31 + out_dim, batch=batches)


def _conv(shape):
    h, w, cin, cout, k, stride, dilation, same = shape
    return synth.conv2d(h, w, cin, cout, k=(k, k), stride=stride, dilation=dilation, same=bool(same), seed=h + cout)


def _gru(shape):
    in_dim, units, reset_after = shape
    return synth_gru.gru_step(in_dim, (units,), (reset_after,), seed=in_dim + units)


def _pool(shape):
    kind, h, w, channels, k, stride, same, act = shape
    return synth.pool2d(h, w, channels, k, stride, same, kind, activation=act, seed=h * w + channels)


CASES = ([(f"fc {s[0]}->{s[1]} x{s[2]}", _fc, s) for s in FC_SHAPES]
         + [(f"fc {s[0]}->{s[1]} no table", lambda s: _no_table_fc(*s), s) for s in [(40, 19), (7, 33)]]
         + [("conv {}x{}x{}->{} k{} s{} d{} {}".format(*s[:7], "same" if s[7] else "valid"), _conv, s)
            for s in CONV_SHAPES]
         + [(f"gru {s[0]}->{s[1]} reset_after={s[2]}", _gru, s) for s in GRU_SHAPES]
         + [("{} {}x{}x{} k{} s{} {} act {}".format(s[0], *s[1:6], "same" if s[6] else "valid", s[7]), _pool, s)
            for s in POOL_SHAPES])  # fmt: skip
IDS = [c[0] for c in CASES]


def _model(case):
    _, build, shape = case
    return compile_graph(build(shape))


def _rows(model, seed: int) -> np.ndarray:
    n = sum(t.nbytes for t in model.inputs)
    return np.random.default_rng(seed).integers(-128, 128, (ROWS, n), dtype=np.int64).astype(np.uint8)


def test_the_no_table_cases_have_no_table():
    for in_dim, out_dim in [(40, 19), (7, 33)]:
        blob = compile_graph(_no_table_fc(in_dim, out_dim)).blob
        op = next(o for o in read_blob(blob).ops if o.code == OpCode.FULLY_CONNECTED)
        assert struct.unpack_from("<I", blob, op.params_offset + FC_REQUANT_FIELD)[0] == 0


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_simulator_rv32_kernels_match_reference(case):
    model = _model(case)
    sim = Simulator(model.blob, core=RV32)
    assert all(sim.optimised_ops()), f"{case[0]}: an op runs its reference kernels for both sets on rv32imc"
    x = _rows(model, seed=len(case[0]))
    opt = sim.run_raw(x)  # first: an output the optimised kernels leave unwritten shows
    ref = sim.run_raw(x, reference=True)
    assert np.array_equal(opt, ref), f"{case[0]}: {int(np.sum(opt != ref))} of {opt.size} output bytes differ"


@pytest.mark.slow
@pytest.mark.parametrize("board", EMULATED_BOARDS)
def test_board_optimised_matches_reference(board):
    from tests.conftest import open_board

    with open_board(board) as s:
        for case in CASES:
            model = _model(case)
            s.upload_model(model.blob)
            for i, row in enumerate(_rows(model, seed=len(case[0]))):
                _, opt = s.invoke(row.tobytes(), reference=False)
                _, ref = s.invoke(row.tobytes(), reference=True)
                diff = sum(a != b for a, b in zip(opt, ref))
                assert opt == ref, f"{case[0]} row {i}: {diff} of {len(ref)} output bytes differ on {board}"
