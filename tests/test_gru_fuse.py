"""GRU_STEP_S8, the fused single-step GRU: the cells the compiler's pass (hil/compile/fuse.py) fuses and
the near misses it leaves alone, the activation tables it stores (hil/quant/sigmoid.py) against TFLM, the
fused op bit for bit with TFLM and with the unfused ops in the simulator (reference and optimised
kernels), and the checks of its record at load.

The cells are seeded synthetic graphs in the converter's form (hil/compile/synth_gru.py); TFLM is the
golden engine. Keras and zoo models, streams and boards: tests/test_gru_fuse_models.py."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from hil.compile import synth_gru
from hil.compile.blob import read_blob
from hil.compile.compiler import compile_graph, compile_tflite
from hil.compile.fuse import EW_ROLES, FC_ROLES, FUSED, find_cells
from hil.compile.ops import DataWriter, OpCode
from hil.compile.ops.activations import sigmoid
from hil.compile.tflite import Graph
from hil.errors import DeviceError, ModelError
from hil.link.protocol import Status
from hil.quant.sigmoid import logistic_table, tanh_table
from hil.sim import CORES, Simulator
from hil.step.reference import run_tflm
from tests.graphs import _graph, _Tensors, one_op, to_tflite
from tests.op_golden import assert_same, golden, random_rows
from tests.test_mpgru import _patch

ROWS = 24


def fused_ops(model) -> int:
    return sum(op["op"] == FUSED for op in model.ops)


def check_bit_exact(g: Graph, cells: int, seed: int = 0) -> None:
    """TFLM's outputs on random rows equal the fused blob's (reference and optimised kernels, every simulator
    core's) and the unfused blob's in the simulator; the fused blob has `cells` GRU_STEP_S8 ops."""
    model, plain = compile_graph(g), compile_graph(g, fuse=False)
    assert (fused_ops(model), fused_ops(plain)) == (cells, 0), [op["op"] for op in model.ops]
    tfl = to_tflite(g)
    xs = random_rows(tfl, ROWS, seed)
    want = golden(tfl, xs)
    for core in CORES:  # the M4's kernels and the RISC-V ports' own
        for label, blob, reference in (("fused, reference kernels", model.blob, True),
                                       ("fused, optimised kernels", model.blob, False),
                                       ("unfused", plain.blob, False)):  # fmt: skip
            got = Simulator(blob, core).run(*xs, reference=reference)
            assert_same(got, want, f"{g.source} ({core}): {label}")


# ---------------------------------------------------------------- the activation tables


def test_activation_tables_equal_tflm_on_every_input():
    """hil.quant.sigmoid's tables of int8 LOGISTIC and TANH at random input quantisations, against TFLM."""
    rng, t, ops = np.random.default_rng(5), _Tensors(), []
    for k in range(24):
        kind = ("LOGISTIC", "TANH")[k % 2]
        x = t.add(f"x{k}", "int8", (1, 256), [10 ** rng.uniform(-3.5, 0.7)], [int(rng.integers(-128, 128))])
        y = t.add(f"y{k}", "int8", (1, 256), [1 / 256 if kind == "LOGISTIC" else 1 / 128], [-128 if k % 2 == 0 else 0])
        ops.append((kind, [x], [y]))
    g = _graph(t, ops, [op[1][0] for op in ops], [op[2][0] for op in ops], "<activation tables>")
    want = run_tflm(to_tflite(g), [np.arange(-128, 128, dtype=np.int8)[None]] * len(ops))
    for op, w in zip(g.ops, want):
        params = struct.unpack_from("<4i", sigmoid(op, g, DataWriter(0)).params)
        table = (logistic_table if op.name == "LOGISTIC" else tanh_table)(params)
        assert_same([table], [w.reshape(-1)], f"{op.name} at input quantisation {params}")


# ---------------------------------------------------------------- what the pass fuses


@pytest.mark.parametrize("reset_after", [True, False])
def test_pass_finds_each_cell_by_structure_and_roles_not_names(reset_after):
    g = synth_gru.gru_step(10, (6, 9), (reset_after, not reset_after), seed=4)
    names = [t.name.rsplit("/", 1)[0] for t in g.tensors]
    for t in g.tensors:
        t.name = f"t{t.index}"  # the pass must not need them
    cells = find_cells(g)
    assert [c.reset_after for c in cells] == [reset_after, not reset_after]
    assert [c.h for c in cells] == g.inputs[1:] and [c.out for c in cells] == g.outputs
    assert cells[0].x == g.inputs[0] and cells[1].x == cells[0].out
    for c in cells:
        assert [names[fc.outputs[0]] for fc in c.fcs] == list(FC_ROLES)
        want = ["z_pre", "r_pre", "reset", "h_pre", "diff", "update", "state_out", "logistic", "logistic", "tanh"]
        assert [names[op.outputs[0]] for op in c.ew] == want
        assert len(c.replaced) == len(FC_ROLES) + len(EW_ROLES) + 4  # and the four RESHAPEs
    assert [op["op"] for op in compile_graph(g).ops] == [FUSED, FUSED]


def test_pass_takes_commutative_operands_in_either_order():
    g = synth_gru.gru_step(7, (5,), (True,), seed=8)
    for op in g.ops:
        if op.name in ("ADD", "MUL"):
            op.inputs.reverse()
    check_bit_exact(g, cells=1)


SIZES = [(1, (1,), (True,)), (3, (2,), (False,)), (7, (5,), (True,)), (16, (8,), (False,)), (33, (17,), (True,)),
         (12, (31,), (False,)), (56, (56,), (True,)), (161, (56,), (False,)), (9, (6, 11), (True, False)),
         (5, (8, 8), (False, True))]  # fmt: skip


@pytest.mark.parametrize("in_dim,units,reset_after", SIZES)
def test_fused_cells_are_bit_exact_with_tflm_and_the_unfused_ops(in_dim, units, reset_after):
    g = synth_gru.gru_step(in_dim, units, reset_after, reshape=units[0] % 2 == 0, seed=in_dim + units[0])
    check_bit_exact(g, cells=len(units), seed=in_dim)


# ---------------------------------------------------------------- what it leaves alone


def _retype(g: Graph, op, kind: str) -> None:
    """Make an activation op the other kind, with the output quantisation TFLM requires of it."""
    g.ops[op.index].name = kind
    out = g.tensors[op.outputs[0]]
    out.scale[:], out.zero_point[:] = synth_gru.SIGMOID_Q if kind == "LOGISTIC" else synth_gru.TANH_Q


def _rescale(g: Graph, t: int, scale: float) -> None:
    """A new scale for tensor t and the RESHAPEs of it (which copy its bytes)."""
    for k in [t] + [op.outputs[0] for op in g.ops if op.name == "RESHAPE" and op.inputs[0] == t]:
        g.tensors[k].scale[:] = scale


def _fused_activation(g: Graph, op) -> None:
    g.ops[op.index].options.fusedActivationFunction = 1  # RELU


NEAR_MISSES = {
    "candidate through LOGISTIC": lambda g, c, e, f: _retype(g, e["tanh"], "LOGISTIC"),
    "z gate through TANH": lambda g, c, e, f: _retype(g, e["sig_z"], "TANH"),
    "z also a model output": lambda g, c, e, f: g.outputs.append(e["sig_z"].outputs[0]),
    "a projection also a model output": lambda g, c, e, f: g.outputs.append(f["r_x"].outputs[0]),
    "SUB the other way round": lambda g, c, e, f: g.ops[e["sub"].index].inputs.reverse(),
    "an x projection reads h": lambda g, c, e, f: g.ops[f["h_x"].index].inputs.__setitem__(0, c.h),
    "an h projection reads x": lambda g, c, e, f: g.ops[f["z_h"].index].inputs.__setitem__(0, c.x),
    "MUL rescaled by 2^2": lambda g, c, e, f: _rescale(g, e["mul_z"].outputs[0], 2e-5),
    "ADD with a fused RELU": lambda g, c, e, f: _fused_activation(g, e["add_out"]),
}  # fmt: skip


@pytest.mark.parametrize("what", NEAR_MISSES)
def test_near_misses_stay_plain_ops_and_bit_exact(what):
    g = synth_gru.gru_step(8, (8,), (what != "SUB the other way round",), seed=6)  # x and h alike in size
    (cell,) = find_cells(g)
    NEAR_MISSES[what](g, cell, dict(zip(EW_ROLES, cell.ew)), dict(zip(FC_ROLES, cell.fcs)))
    assert find_cells(g) == [], what
    check_bit_exact(g, cells=0)


def test_a_model_cannot_name_the_fused_op():
    for g in (one_op(FUSED, "int8", [(1, 4)], [(1, 4)]), one_op(FUSED, "int8", [(1, 4)] * 14, [(1, 4)])):
        with pytest.raises(ModelError) as exc:
            compile_graph(g)
        assert "\n" not in str(exc.value) and FUSED in str(exc.value)
    assert compile_tflite(to_tflite(synth_gru.gru_step(4, (3,)))).ops[0]["op"] == FUSED


# ---------------------------------------------------------------- the record, checked at load

FC_BYTES, ADD_BYTES, MUL_BYTES = 32, 48, 28
EW_AT = 16 + 6 * FC_BYTES
AT = {"add_z": EW_AT, "add_r": EW_AT + 48, "mul_r": EW_AT + 96, "add_h": EW_AT + 124, "sub": EW_AT + 172,
      "mul_z": EW_AT + 220, "add_out": EW_AT + 248, "sig_z": EW_AT + 296, "sig_r": EW_AT + 312,
      "tanh": EW_AT + 328, "lut_z": EW_AT + 344, "lut_h": EW_AT + 856}  # fmt: skip


def _in_array(field: int, extra: int = 0):
    """The blob offset of a blob array whose offset is at field `field` of the record."""
    return lambda blob, p: struct.unpack_from("<I", blob, p + field)[0] + extra


def _half_input_shift(blob: bytes, p: int) -> int:
    """ADD_z's input rescaled by 1/2: the offset of its shift."""
    first = struct.unpack_from("<ii", blob, p + AT["add_z"] + 12) == (1 << 30, 0)
    return p + AT["add_z"] + (16 if first else 24)


# what: (locate(blob, record offset) -> byte offset, struct format, new value or f(old))
MUTATIONS = {
    "no units": (lambda b, p: p + 4, "<i", 0),
    "in_dim not the input's": (lambda b, p: p, "<i", lambda old: old + 1),
    "reset_after 2": (lambda b, p: p + 8, "<i", 2),
    "a folded bias off by one": (_in_array(16 + FC_BYTES + 24), "<i", lambda old: old + 1),
    "an FC shift beyond 30": (_in_array(16 + 2 * FC_BYTES + 20), "<i", 31),
    "an FC requant table disagrees": (_in_array(16 + 3 * FC_BYTES + 28, 8), "<I", lambda old: old ^ 1),
    "an FC multipliers past the blob": (lambda b, p: p + 16 + 4 * FC_BYTES + 16, "<I", 1 << 30),
    "an FC act_max beyond int8": (lambda b, p: p + 16 + 5 * FC_BYTES + 12, "<i", 200),
    "no ADD input rescaled by 1/2": (_half_input_shift, "<i", -1),
    "an ADD with a fused activation": (lambda b, p: p + AT["add_out"] + 40, "<i", -127),
    "a SUB left shift of 19": (lambda b, p: p + AT["sub"] + 8, "<i", 19),
    "a MUL shift of 0": (lambda b, p: p + AT["mul_z"] + 12, "<i", 0),
    "a LOGISTIC input zero point of 200": (lambda b, p: p + AT["sig_r"], "<i", 200),
    "a TANH input radius below 0": (lambda b, p: p + AT["tanh"] + 4, "<i", -1),
    "a LOGISTIC table entry": (lambda b, p: p + AT["lut_z"] + 77, "<b", lambda old: old ^ 1),
    "a TANH table entry": (lambda b, p: p + AT["lut_h"] + 255, "<b", lambda old: old ^ 4),
}  # fmt: skip


@pytest.fixture(scope="module")
def fused_blob():
    return compile_graph(synth_gru.gru_step(9, (7,), (False,), seed=2)).blob


@pytest.mark.parametrize("what", MUTATIONS)
def test_malformed_records_are_rejected_at_load(fused_blob, what):
    locate, fmt, value = MUTATIONS[what]
    Simulator(fused_blob)  # the unmodified blob loads
    p = next(op.params_offset for op in read_blob(fused_blob).ops if op.code == OpCode.GRU_STEP_S8)
    at = locate(fused_blob, p)
    old = struct.unpack_from(fmt, fused_blob, at)[0]
    with pytest.raises(DeviceError) as exc:
        Simulator(_patch(fused_blob, at, fmt, value(old) if callable(value) else value))
    assert exc.value.status == Status.BAD_MODEL, what
