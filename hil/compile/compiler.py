"""Compile a TFLite graph into a .hilm blob: encode ops, plan the arena, lay out the data."""

from __future__ import annotations

import struct
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from hil.compile import planner
from hil.compile.exits import exit_plan, order_by_exit
from hil.compile.fuse import fuse as fuse_cells
from hil.compile.io import IoSpec
from hil.compile.graph_check import check_graph
from hil.compile.blob import (HEADER, LOC_ARENA, LOC_BLOB, NONE_INDEX, U32_MAX, OpRecord, TensorRecord, read_blob,
                              write_blob)  # fmt: skip
from hil.compile.ops import DataWriter, OpCode, OpSpec, encoder_for
from hil.compile.state import state_bytes
from hil.compile.tflite import Graph, Tensor, read_tflite
from hil.errors import ModelError


@dataclass
class CompiledModel:
    blob: bytes
    arena_bytes: int
    ops: list[dict]  # {index, op, macs}
    inputs: list[IoSpec]
    outputs: list[IoSpec]
    source: str = ""
    activation_bytes: int = 0  # the plan without kernel scratch (what TFLM's reference kernels would need)
    state_bytes: int = 0  # the ops' state after the activations (hil.compile.state), counted in arena_bytes
    exits: tuple = ()  # per exit, cheapest first: {exit, output (position), ops (indices), macs}; () without exits

    @property
    def model_bytes(self) -> int:
        return len(self.blob)

    @property
    def macs(self) -> int:
        return sum(op["macs"] for op in self.ops)

    def report(self) -> dict:
        return {
            "source": self.source,
            "model_bytes": self.model_bytes,
            "arena_bytes": self.arena_bytes,
            "activation_bytes": self.activation_bytes,
            "state_bytes": self.state_bytes,
            "macs": self.macs,
            "ops": self.ops,
            "inputs": [asdict(i) for i in self.inputs],
            "outputs": [asdict(o) for o in self.outputs],
            "exits": list(self.exits),
        }


def _shape(t: Tensor) -> tuple[int, ...]:
    shape = t.shape
    while len(shape) > 4 and shape[0] == 1:
        shape = shape[1:]
    if len(shape) > 4:
        raise ModelError(f"tensor {t.name!r} has {len(t.shape)} dimensions; the runtime handles 4")
    return shape


class _Layout:
    """Numbers the tensors the blob needs and records their lifetimes."""

    def __init__(self, graph: Graph, data: DataWriter):
        self.graph, self.data = graph, data
        self.records: list[TensorRecord] = []
        self.index: dict[object, int] = {}
        self.life: dict[int, list[int]] = {}  # blob index -> [first_op, last_op]
        self.alias: dict[int, int] = {}
        self.scratch_keys: set[int] = set()

    def ref(self, key: int, op_i: int, writes: bool) -> int:
        if key < 0:
            return NONE_INDEX
        if key not in self.index:
            t = self.graph.tensors[key]
            if t.is_const:
                offset = self.data.add(np.ascontiguousarray(t.data, dtype=np.dtype(t.dtype).newbyteorder("<")))
                record = TensorRecord(t.dtype, _shape(t), LOC_BLOB, offset)
            else:
                scale = float(t.scale[0]) if t.scale.size else 0.0
                zp = int(t.zero_point[0]) if t.zero_point.size else 0
                record = TensorRecord(t.dtype, _shape(t), LOC_ARENA, 0, scale, zp)
            self.records.append(record)
            self.index[key] = len(self.records) - 1
        i = self.index[key]
        if self.records[i].location == LOC_ARENA:
            span = self.life.setdefault(i, [op_i, op_i])
            span[0], span[1] = min(span[0], op_i), max(span[1], op_i)
        return i

    def scratch(self, size: int, op_i: int) -> int:
        self.records.append(TensorRecord("int8", (size,), LOC_ARENA, 0))
        i = len(self.records) - 1
        self.life[i] = [op_i, op_i]
        self.scratch_keys.add(i)
        return i

    def plan(self) -> tuple[int, int]:
        """Place every arena tensor; returns (arena bytes, bytes the activations alone would need).
        The second figure leaves out the optimized kernels' scratch: it is what compares with TFLM's plan."""
        root = {i: self._root(i) for i in self.life}
        groups: dict[int, list[int]] = {}
        for i, r in root.items():
            groups.setdefault(r, []).append(i)
        buffers = [
            planner.Buffer(r, max(self.records[i].nbytes for i in members),
                           min(self.life[i][0] for i in members), max(self.life[i][1] for i in members))
            for r, members in groups.items()
        ]  # fmt: skip
        offsets, arena = planner.plan(buffers)
        for i, r in root.items():
            self.records[i].offset = offsets[r]
        _, activations = planner.plan([b for b in buffers if b.key not in self.scratch_keys])
        return arena, activations

    def _root(self, i: int) -> int:
        while i in self.alias:
            i = self.alias[i]
        return i


def compile_graph(graph: Graph, fuse: bool = True) -> CompiledModel:
    """The blob of a graph; with fuse, GRU cells run as one op each (hil.compile.fuse)."""
    check_graph(graph)
    if fuse:
        graph = fuse_cells(graph)
    plan = exit_plan(graph)
    if plan is not None:  # ops by the first exit that needs them: any exit's ops run as a subsequence
        graph, plan = order_by_exit(graph, plan)
    data = DataWriter(HEADER.size)
    layout = _Layout(graph, data)
    n_ops = len(graph.ops)
    inputs = [layout.ref(t, -1, True) for t in graph.inputs]
    op_records, ops_report = [], []
    for at, op in enumerate(graph.ops):  # lifetimes by position: a fused graph's ops keep their node numbers
        spec: OpSpec = encoder_for(op)(op, graph, data)
        ins = [layout.ref(t, at, False) for t in spec.inputs]
        for k in spec.persistent_inputs:  # alive over every run: nothing else may use its bytes
            layout.life[ins[k]] = [-1, n_ops]
        if spec.scratch_bytes:
            ins.append(layout.scratch(spec.scratch_bytes, at))
        outs = [layout.ref(t, at, True) for t in spec.outputs]
        if spec.alias_output and layout.records[ins[0]].location == LOC_ARENA:
            layout.alias[outs[0]] = ins[0]
        io_offset = data.add(struct.pack(f"<{len(ins) + len(outs)}H", *ins, *outs))
        params_offset = data.add(spec.params)
        op_records.append(OpRecord(spec.code, len(ins), len(outs), io_offset, params_offset, len(spec.params),
                                   plan.op_exits[at] if plan else 0))  # fmt: skip
        if not 0 <= spec.macs <= U32_MAX:
            raise ModelError(f"{graph.source}: {op.where()}: {spec.macs:,} MACs; the blob records up to "
                             f"{U32_MAX:,} per op")  # fmt: skip
        ops_report.append({"index": op.index, "op": op.name, "macs": spec.macs})
    outputs = [layout.ref(t, n_ops, False) for t in graph.outputs]
    for k, pos in enumerate(plan.outputs if plan else ()):
        layout.records[outputs[pos]].exit = k + 1
    for label, idx in (("input", inputs), ("output", outputs)):
        if any(layout.records[i].location != LOC_ARENA for i in idx):
            raise ModelError(f"{graph.source}: a model {label} is a constant; nothing to compute")
    planned, activation_bytes = layout.plan()
    arena = planned + state_bytes(op_records)  # the board lays the ops' state out right after the activations
    macs_offset = data.add(np.array([o["macs"] for o in ops_report], dtype="<u4"))
    blob = write_blob(data.bytes(), layout.records, op_records, inputs, outputs, arena, macs_offset)

    def io(t: int) -> IoSpec:
        g = graph.tensors[t]
        return IoSpec(g.name, g.dtype, _shape(g), float(g.scale[0]) if g.scale.size else 0.0,
                      int(g.zero_point[0]) if g.zero_point.size else 0, graph.signature_names.get(t, ""))  # fmt: skip

    return CompiledModel(blob, arena, ops_report, [io(t) for t in graph.inputs], [io(t) for t in graph.outputs],
                         graph.source, activation_bytes, state_bytes(op_records), exits_of(op_records, ops_report,
                         [layout.records[i].exit for i in outputs]))  # fmt: skip


def exits_of(ops: list[OpRecord], report: list[dict], output_exits: list[int]) -> tuple:
    """The exits of a compiled model from its op records and its outputs' exit numbers (k + 1, or 0)."""
    found = sorted((e - 1, pos) for pos, e in enumerate(output_exits) if e)
    out = []
    for k, pos in found:
        idx = [i for i, o in enumerate(ops) if o.exits >> k & 1]
        out.append({"exit": k, "output": pos, "ops": idx, "macs": sum(report[i]["macs"] for i in idx)})
    return tuple(out)


def compile_tflite(source: bytes | Path | str, fuse: bool = True) -> CompiledModel:
    return compile_graph(read_tflite(source), fuse)


def from_blob(blob: bytes, label: str = "<blob>") -> CompiledModel:
    """A compiled model read back from a .hilm (names of ops from their codes)."""
    info = read_blob(blob, label)
    names = {v: k for k, v in vars(OpCode).items() if not k.startswith("_")}

    def io(i: int) -> IoSpec:
        t = info.tensors[i]
        return IoSpec(f"tensor_{i}", t.dtype, t.shape, t.scale, t.zero_point)

    ops = [{"index": i, "op": names.get(o.code, str(o.code)), "macs": m} for i, (o, m) in enumerate(zip(info.ops, info.macs))]
    exits = exits_of(info.ops, ops, [info.tensors[i].exit for i in info.outputs])
    return CompiledModel(blob, info.header["arena_bytes"], ops, [io(i) for i in info.inputs],
                         [io(i) for i in info.outputs], label, state_bytes=state_bytes(info.ops),
                         exits=exits)  # fmt: skip


def load_model(path: Path | str) -> CompiledModel:
    """A .tflite (compiled now) or a .hilm; anything else is one clear ModelError."""
    path = Path(path)
    if path.suffix == ".tflite":
        return compile_tflite(path)
    if path.suffix == ".hilm":
        try:
            return from_blob(path.read_bytes(), str(path))
        except OSError as exc:
            raise ModelError(f"cannot read model {path}: {exc.strerror}") from None
    raise ModelError(f"model {path}: wanted a .tflite or .hilm file, got '{path.suffix or 'no suffix'}'")
