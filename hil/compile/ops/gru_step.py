"""GRU_STEP_S8: a single-step int8 GRU cell as one op (hil.compile.fuse finds the cells):
firmware/src/ops/op_gru_step.c, the kernels in firmware/include/hil/kernels_gru_step.h.

The record is what the decomposed ops' Prepare computes, each part made by that op's own encoder:
the six FULLY_CONNECTED records (per-channel multipliers and shifts, folded biases, requantisation
tables: fully_connected.py), the ADD, SUB and MUL rescales (binary.py) and the LOGISTIC / TANH
parameters (activations.py) with their 256 outputs (hil.quant.sigmoid; the board checks the tables
against its own kernels at load). Beyond what the plain ops need, the fused kernel wants every tensor
of the cell int8, one row of `in_dim` (x) or `units` values, element-wise ops without broadcasting and
element-wise rescales as TFLM's Prepare makes them for any sane quantisation: shifts < 0, or exactly 1/2
for the ADD/SUB input of the larger scale (its fast requantisation relies on it: firmware
src/kernels/gru_step_impl.h); a cell that misses any stays as plain ops."""

from __future__ import annotations

import struct

import numpy as np

from hil.compile.fuse import FC_ROLES, FUSED, GruCell
from hil.compile.ops import DataWriter, OpCode, OpSpec, register
from hil.compile.ops.activations import sigmoid
from hil.compile.ops.binary import add_sub, mul
from hil.compile.ops.common import need
from hil.compile.ops.fully_connected import fully_connected
from hil.compile.ops.mac import fc_scratch_bytes
from hil.compile.ops.tflm_prepare import broadcast
from hil.compile.tflite import Graph, Op
from hil.errors import ModelError

MAX_DIM = 4096  # firmware HIL_GRU_STEP_MAX_DIM
WALK_BYTES = 48  # hil_broadcast_t ahead of the element-wise records
SIGMOID_BYTES = 16  # hil_sigmoid_params_t; an int8 LOGISTIC/TANH record carries its table after it
HALF = 1 << 30  # an ADD/SUB input at the larger of the two scales: rescaled by 1/2 (2^30, shift 0)


def scratch_bytes(in_dim: int, units: int) -> int:
    """hil_gru_step_scratch (firmware/include/hil/kernels_gru_step.h): six vectors of units, each rounded up
    to 4 bytes, then the optimised FC kernel's unpacked input row."""
    return 6 * ((units + 3) & ~3) + fc_scratch_bytes(max(in_dim, units), 1)


def _elements(g: Graph, t: int) -> int:
    return int(np.prod(g.tensors[t].shape, dtype=np.int64))


def _fc_record(op: Op, fc: Op, g: Graph, data: DataWriter, depth: int, units: int) -> bytes:
    need(fc, g, fc.inputs[0], ("int8",))
    weights = need(fc, g, fc.inputs[1], ("int8",), const=True)
    if weights.shape != (units, depth) or _elements(g, fc.inputs[0]) != depth or _elements(g, fc.outputs[0]) != units:
        raise ModelError(f"{op.where()}: {fc.where()} maps {_elements(g, fc.inputs[0])} values through weights "
                         f"{list(weights.shape)}; the cell wants [{units}, {depth}]")  # fmt: skip
    return fully_connected(fc, g, data).params


def _ew_record(op: Op, e: Op, g: Graph, data: DataWriter, units: int) -> tuple[bytes, bytes]:
    """(the op's record, its 256 outputs when it is an activation)."""
    for t in e.inputs + e.outputs:
        need(e, g, t, ("int8",))
        if _elements(g, t) != units:
            raise ModelError(f"{op.where()}: {e.where()} has a tensor of {_elements(g, t)} values; "
                             f"the cell has {units}")  # fmt: skip
    if e.name in ("LOGISTIC", "TANH"):
        record = sigmoid(e, g, data).params  # its parameters, then its 256 outputs (hil.quant.sigmoid)
        return record[:SIGMOID_BYTES], record[SIGMOID_BYTES:]
    params = (add_sub if e.name in ("ADD", "SUB") else mul)(e, g, data).params
    if params[:WALK_BYTES] != broadcast(e, (units,), (units,), (units,)):
        raise ModelError(f"{op.where()}: {e.where()} broadcasts; the fused cell takes element-wise ops only")
    _check_rescales(op, e, struct.unpack_from("<7i" if e.name == "MUL" else "<12i", params, WALK_BYTES))
    return params[WALK_BYTES:], b""


def _check_rescales(op: Op, e: Op, q: tuple[int, ...]) -> None:
    """What the fused kernel's element-wise arithmetic relies on (hil_gru_half): an ADD/SUB input rescaled by
    exactly 1/2, negative shifts for every other rescale, no fused activation (q: the op's record)."""
    inputs, output = ([], (q[2], q[3])) if e.name == "MUL" else ([(q[3], q[4]), (q[5], q[6])], (q[7], q[8]))
    halves = [r == (HALF, 0) for r in inputs]
    stray = any(s >= 0 and not half for half, (_, s) in zip(halves, inputs))
    if output[1] >= 0 or stray or (inputs and not any(halves)):
        raise ModelError(f"{op.where()}: {e.where()} has rescales (multiplier, shift) {inputs + [output]}; the fused "
                         "cell wants an ADD/SUB input rescaled by exactly 1/2 and shifts < 0 elsewhere")  # fmt: skip
    if q[-2:] != (-128, 127):
        raise ModelError(f"{op.where()}: {e.where()} has a fused activation; the fused cell takes none")


@register(FUSED, inputs=14)
def gru_step(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    cell = op.options
    if not isinstance(cell, GruCell):
        raise ModelError(f"{op.where()}: {FUSED} is made by hil's fusion pass from a GRU cell; a model cannot name it")
    for t in (cell.x, cell.h, cell.out):
        need(op, g, t, ("int8",), const=False)
    in_dim, units = _elements(g, cell.x), _elements(g, cell.h)
    if not (1 <= in_dim <= MAX_DIM and 1 <= units <= MAX_DIM) or _elements(g, cell.out) != units:
        raise ModelError(f"{op.where()}: a cell of {in_dim} inputs and {units} units (new state "
                         f"{_elements(g, cell.out)}); the fused op takes 1..{MAX_DIM} of each")  # fmt: skip
    depth = {"x": in_dim, "h": units}
    fcs = [_fc_record(op, fc, g, data, depth[role[-1]], units) for fc, role in zip(cell.fcs, FC_ROLES)]
    records, tables = zip(*(_ew_record(op, e, g, data, units) for e in cell.ew))  # EW_ROLES order
    params = struct.pack("<4i", in_dim, units, int(cell.reset_after), 0) + b"".join(fcs + list(records + tables))
    return OpSpec(OpCode.GRU_STEP_S8, list(op.inputs), list(op.outputs), params,
                  macs=units * 3 * (in_dim + units), scratch_bytes=scratch_bytes(in_dim, units))  # fmt: skip
