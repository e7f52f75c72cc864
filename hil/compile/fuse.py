"""The compiler's fusion pass: a decomposed single-step GRU cell becomes one GRU_STEP_S8 op.

hil.convert.streaming.gru_step_model writes a GRU cell as plain layers; the converter turns each into
six FULLY_CONNECTEDs (x and the state h per gate z, r, h), ADD + LOGISTIC for z and r, the reset MUL
(of r and the h gate's projection of h, or of r and h before that projection: Keras' reset_after),
ADD + TANH for the candidate c, and h' = ADD(c, MUL(z, SUB(h, c))), with RESHAPEs on some edges.

The match goes by structure and tensor roles, never by names: it starts from each ADD and walks back
through the producers (RESHAPEs seen through), wants each op's kind where the cell has it, every x
projection reading one tensor x and every h projection the SUB's first input h (x not h), no tensor of
the cell read outside it or listed as a model output, and the ops all distinct. Then the op's encoder
(hil/compile/ops/gru_step.py) runs on a scratch data section: it checks every quantisation the fused
kernel relies on. Anything that fails any test stays as the plain ops it was."""

from __future__ import annotations

from dataclasses import dataclass, replace

from hil.compile.ops import DataWriter, encoder_for
from hil.compile.tflite import Graph, Op
from hil.errors import ModelError

FUSED = "GRU_STEP_S8"
FC_ROLES = ("z_x", "z_h", "r_x", "r_h", "h_x", "h_h")
# the element-wise ops by role, binary ones with their inputs in this order
EW_ROLES = ("add_z", "add_r", "mul_r", "add_h", "sub", "mul_z", "add_out", "sig_z", "sig_r", "tanh")


@dataclass(frozen=True)
class GruCell:
    """A matched cell: the tensors it reads (x, h) and writes (out), its ops by role (FULLY_CONNECTEDs in
    FC_ROLES order; element-wise ops in EW_ROLES order, binary ones as copies with role-ordered inputs),
    and the positions of every op it replaces (RESHAPEs included)."""

    x: int
    h: int
    out: int
    reset_after: bool
    fcs: tuple[Op, ...]
    ew: tuple[Op, ...]
    replaced: frozenset[int]


class _NoMatch(Exception):
    pass


class _Walk:
    """Producers of a graph's tensors, seen through RESHAPEs."""

    def __init__(self, g: Graph):
        self.g = g
        self.producer = {t: i for i, op in enumerate(g.ops) for t in op.outputs}

    def root(self, t: int) -> tuple[int, list[int]]:
        """(the tensor whose bytes t carries, the RESHAPE positions between them)."""
        through = []
        while (i := self.producer.get(t)) is not None and self.g.ops[i].name == "RESHAPE" and self.g.ops[i].inputs:
            through.append(i)
            t = self.g.ops[i].inputs[0]
        return t, through

    def made_by(self, t: int, name: str) -> Op:
        i = self.producer.get(self.root(t)[0])
        if i is None or self.g.ops[i].name != name or len(self.g.ops[i].outputs) != 1:
            raise _NoMatch
        return self.g.ops[i]

    def is_(self, t: int, name: str, reads: int | None = None) -> bool:
        """Whether t comes from a `name` op (reading tensor `reads` first, if given)."""
        try:
            op = self.made_by(t, name)
        except _NoMatch:
            return False
        return reads is None or (bool(op.inputs) and op.inputs[0] == reads)

    def split(self, op: Op, first, second) -> Op:
        """A copy of a two-input op with its inputs in role order: exactly one order must pass both tests."""
        if len(op.inputs) != 2 or len(op.outputs) != 1:
            raise _NoMatch
        orders = [(a, b) for a, b in (op.inputs, op.inputs[::-1]) if first(a) and second(b)]
        if len(orders) != 1:
            raise _NoMatch
        return replace(op, inputs=list(orders[0]))


def _gate(w: _Walk, sig: Op, x: int, h: int) -> tuple[Op, Op, Op]:
    """(add, x projection, h projection) of a z or r gate: LOGISTIC(ADD(FC(x), FC(h)))."""
    add = w.split(w.made_by(sig.inputs[0], "ADD"), lambda t: w.is_(t, "FULLY_CONNECTED", x),
                  lambda t: w.is_(t, "FULLY_CONNECTED", h))  # fmt: skip
    return add, w.made_by(add.inputs[0], "FULLY_CONNECTED"), w.made_by(add.inputs[1], "FULLY_CONNECTED")


def _candidate(w: _Walk, tanh: Op, h: int):
    """(add_h, mul_r, h_x projection, h_h projection) of the candidate c = TANH(add_h)."""
    add = w.made_by(tanh.inputs[0], "ADD")
    def of_x(t: int) -> bool:
        return w.is_(t, "FULLY_CONNECTED") and not w.is_(t, "FULLY_CONNECTED", h) and not _of_reset(w, t, h)

    def is_r(t: int) -> bool:
        return w.is_(t, "LOGISTIC")

    try:  # reset_after: ADD(FC(x), MUL(r, FC(h)))
        add_h = w.split(add, of_x, lambda t: w.is_(t, "MUL"))
        mul_r = w.split(w.made_by(add_h.inputs[1], "MUL"), is_r, lambda t: w.is_(t, "FULLY_CONNECTED", h))
        fc_hh = w.made_by(mul_r.inputs[1], "FULLY_CONNECTED")
    except _NoMatch:  # the reset before the projection: ADD(FC(x), FC(MUL(r, h)))
        add_h = w.split(add, of_x, lambda t: _of_reset(w, t, h))
        fc_hh = w.made_by(add_h.inputs[1], "FULLY_CONNECTED")
        mul_r = w.split(w.made_by(fc_hh.inputs[0], "MUL"), is_r, lambda t: t == h)
    return add_h, mul_r, w.made_by(add_h.inputs[0], "FULLY_CONNECTED"), fc_hh


def _of_reset(w: _Walk, t: int, h: int) -> bool:
    """Whether t is FC(MUL(LOGISTIC output, h)): the h gate's projection with the reset before it."""
    try:
        fc = w.made_by(t, "FULLY_CONNECTED")
        w.split(w.made_by(fc.inputs[0], "MUL"), lambda a: w.is_(a, "LOGISTIC"), lambda b: b == h)
    except _NoMatch:
        return False
    return True


def _structure(w: _Walk, final: Op) -> GruCell:
    """The cell whose new state `final` (an ADD) writes, from the graph's structure alone."""
    add_out = w.split(final, lambda t: w.is_(t, "TANH"), lambda t: w.is_(t, "MUL"))
    tanh, mul_z = w.made_by(add_out.inputs[0], "TANH"), w.made_by(add_out.inputs[1], "MUL")
    mul_z = w.split(mul_z, lambda t: w.is_(t, "LOGISTIC"), lambda t: w.is_(t, "SUB"))
    sig_z, sub = w.made_by(mul_z.inputs[0], "LOGISTIC"), w.made_by(mul_z.inputs[1], "SUB")
    if len(sub.inputs) != 2 or w.root(sub.inputs[1])[0] != tanh.outputs[0]:
        raise _NoMatch
    h = sub.inputs[0]
    add_h, mul_r, fc_hx, fc_hh = _candidate(w, tanh, h)
    x, sig_r = fc_hx.inputs[0], w.made_by(mul_r.inputs[0], "LOGISTIC")
    if x == h:
        raise _NoMatch
    add_z, fc_zx, fc_zh = _gate(w, sig_z, x, h)
    add_r, fc_rx, fc_rh = _gate(w, sig_r, x, h)
    fcs = (fc_zx, fc_zh, fc_rx, fc_rh, fc_hx, fc_hh)
    ew = (add_z, add_r, mul_r, add_h, sub, mul_z, add_out, sig_z, sig_r, tanh)
    inner = [t for op in fcs + ew for t in op.inputs if t >= 0 and t not in (x, h)]  # RESHAPEs read by the cell
    replaced = [op.index for op in fcs + ew] + [i for t in inner for i in w.root(t)[1]]
    return GruCell(x, h, final.outputs[0], fc_hh.inputs[0] == h, fcs, ew, frozenset(replaced))


def _closed(g: Graph, cell: GruCell, main_ops: int) -> bool:
    """The ops are distinct; nothing but the new state leaves the cell; x and h come from outside it."""
    if len({op.index for op in cell.fcs + cell.ew}) != main_ops:
        return False
    written = {t for i in cell.replaced for t in g.ops[i].outputs}
    if cell.x in written or cell.h in written or any(len(g.ops[i].outputs) != 1 for i in cell.replaced):
        return False
    outside = [c for t in written - {cell.out} for c in g.consumers.get(t, []) if c not in cell.replaced]
    return not outside and not (written - {cell.out}) & set(g.outputs)


def find_cells(g: Graph) -> list[GruCell]:
    """Every GRU cell of the graph the fused op can run (positions in g.ops are the ops' indices)."""
    if any(op.index != i for i, op in enumerate(g.ops)):
        return []  # not a graph as read (already fused)
    w, cells, claimed = _Walk(g), [], set()
    for op in g.ops:
        if op.name != "ADD" or op.index in claimed:
            continue
        try:
            cell = _structure(w, op)
        except _NoMatch:
            continue
        if _closed(g, cell, len(FC_ROLES) + len(EW_ROLES)) and not cell.replaced & claimed and _encodes(g, cell):
            cells.append(cell)
            claimed |= cell.replaced
    return cells


def fused_op(cell: GruCell) -> Op:
    biases = [fc.inputs[2] if len(fc.inputs) > 2 else -1 for fc in cell.fcs]
    final = max(cell.replaced)
    return Op(final, FUSED, [cell.x, cell.h, *(fc.inputs[1] for fc in cell.fcs), *biases], [cell.out], cell)


def _encodes(g: Graph, cell: GruCell) -> bool:
    """Whether the fused op's encoder takes the cell (a scratch data section: nothing is kept)."""
    op = fused_op(cell)
    try:
        encoder_for(op)(op, g, DataWriter(0))
    except ModelError:
        return False
    return True


def fuse(g: Graph) -> Graph:
    """g with every GRU cell find_cells finds as one GRU_STEP_S8 op where its new state is written (the
    ops keep their TFLite node numbers); g itself when there is none."""
    cells = find_cells(g)
    if not cells:
        return g
    replaced = {i: cell for cell in cells for i in cell.replaced}
    finals = {max(cell.replaced): fused_op(cell) for cell in cells}
    ops = [finals.get(i, op) for i, op in enumerate(g.ops) if i in finals or i not in replaced]
    consumers: dict[int, list[int]] = {}
    for op in ops:
        for t in op.inputs:
            consumers.setdefault(t, []).append(op.index)
    return replace(g, ops=ops, consumers=consumers)
