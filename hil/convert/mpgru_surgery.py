"""Replace a GRU cell's builtin ops in an int8 single-step TFLite model by one HIL_MP_GRU
CUSTOM operator (flexbuffer options, packed uint8 weights), then prune what is unused.

The cell is found from its state pair: the ops downstream of the state input and upstream
of state_out, plus the three FULLY_CONNECTEDs that project the GRU input x into them. The
state and state_out tensors take the MP hidden-state quantisation (scale, zero point 0), so
the state feeds back without requantisation and the following layers read it as int8."""

from __future__ import annotations

from dataclasses import dataclass

import flatbuffers
import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from hil.step.roles import step_io
from hil.errors import ConfigError
from hil.mpgru import options
from hil.mpgru.quant import LayerQ


@dataclass(frozen=True)
class CellSite:
    """Where one GRU cell sits in the int8 graph (tensor and op indices of the original model)."""

    state: int
    state_out: int
    x: int
    ops: tuple[int, ...]  # the builtin ops the custom op replaces


def state_pairs(tflite: bytes, cells: int) -> list[tuple[int, int]]:
    """(state, state_out) tensor indices per cell, as hil.convert.streaming.step_io maps them (by
    signature names, else by the converter's output order, names and shapes)."""
    io = step_io(tflite)
    if len(io.states) != cells:
        raise ConfigError(f"step model: wanted {cells} state input/output pair(s) for {cells} GRU layer(s), "
                          f"got {len(io.states)}")  # fmt: skip
    return [(a.tensor, b.tensor) for a, b in io.states]


def _graph_maps(sg):
    producer, consumers = {}, {}
    for i, op in enumerate(sg.operators):
        for t in op.outputs:
            producer[int(t)] = i
        for t in op.inputs:
            consumers.setdefault(int(t), []).append(i)
    return producer, consumers


def find_site(model, state: int, state_out: int) -> CellSite:
    sg = model.subgraphs[0]
    producer, consumers = _graph_maps(sg)
    down, todo = set(), [state]
    while todo:
        for o in consumers.get(todo.pop(), []):
            if o not in down:
                down.add(o)
                todo.extend(int(t) for t in sg.operators[o].outputs)
    up, todo = set(), [state_out]
    while todo:
        o = producer.get(todo.pop())
        if o is not None and o not in up:
            up.add(o)
            todo.extend(int(t) for t in sg.operators[o].inputs if t >= 0)
    core = up & down
    feeders = {producer[int(t)] for o in core for t in sg.operators[o].inputs if int(t) in producer} - core
    names = {o: _op_name(model, sg.operators[o]) for o in feeders}
    xs = {int(sg.operators[o].inputs[0]) for o in feeders}
    if len(feeders) != 3 or set(names.values()) != {"FULLY_CONNECTED"} or len(xs) != 1:
        raise ConfigError(f"GRU cell of state tensor {state}: wanted three FULLY_CONNECTED input projections of one "
                          f"tensor, got {sorted(names.values())} of {len(xs)} tensor(s)")  # fmt: skip
    ops = core | feeders
    for o in ops:
        for t in sg.operators[o].outputs:
            if int(t) != state_out and any(c not in ops for c in consumers.get(int(t), [])):
                raise ConfigError(f"GRU cell of state tensor {state}: an inner tensor ({int(t)}) is used outside the cell")
    return CellSite(state, state_out, xs.pop(), tuple(sorted(ops)))


def _op_name(model, op) -> str:
    code = model.operatorCodes[op.opcodeIndex]
    builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    return names.get(builtin, str(builtin))


def tensor_quant(model, index: int) -> tuple[float, int]:
    q = model.subgraphs[0].tensors[index].quantization
    return float(q.scale[0]), int(q.zeroPoint[0])


def _set_quant(tensor, scale: float) -> None:
    q = schema.QuantizationParametersT()
    q.scale, q.zeroPoint = [float(np.float32(scale))], [0]
    tensor.quantization = q


def _custom_opcode(model, custom: str = options.CUSTOM_CODE) -> int:
    """The index of the CUSTOM operator code `custom` in the model, added when missing."""
    for i, code in enumerate(model.operatorCodes):
        if code.builtinCode == schema.BuiltinOperator.CUSTOM and code.customCode in (custom, custom.encode()):
            return i
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.CUSTOM
    code.customCode, code.version = custom, 1
    model.operatorCodes.append(code)
    return len(model.operatorCodes) - 1


def _const_tensor(model, name: str, data: np.ndarray) -> int:
    buf = schema.BufferT()
    buf.data = np.ascontiguousarray(data, np.uint8).reshape(-1)
    model.buffers.append(buf)
    t = schema.TensorT()
    t.shape, t.type, t.buffer, t.name = list(data.shape), schema.TensorType.UINT8, len(model.buffers) - 1, name
    sg = model.subgraphs[0]
    sg.tensors.append(t)
    return len(sg.tensors) - 1


def replace_cell(model, site: CellSite, q: LayerQ, prefix: str = "") -> None:
    """Swap the cell's ops for one HIL_MP_GRU op (in place, before pruning)."""
    sg = model.subgraphs[0]
    consts = [_const_tensor(model, f"{prefix}mp_gru/{name}", data) for name, data in options.packed_inputs(q)]
    op = schema.OperatorT()
    op.opcodeIndex = _custom_opcode(model)
    op.inputs, op.outputs = [site.x, site.state] + consts, [site.state_out]
    op.customOptions = np.frombuffer(options.encode(q), np.uint8)
    op.customOptionsFormat = schema.CustomOptionsFormat.FLEXBUFFERS
    for t in (site.state, site.state_out):
        _set_quant(sg.tensors[t], q.h_scale)
    last = max(site.ops)  # the state_out producer: every other op of the cell precedes it
    sg.operators = [op if i == last else o for i, o in enumerate(sg.operators) if i == last or i not in site.ops]


def prune(model) -> None:
    """Drop tensors no op or graph boundary uses, then buffers no tensor or metadata uses."""
    sg = model.subgraphs[0]
    used = {int(t) for o in sg.operators for t in list(o.inputs) + list(o.outputs) if t >= 0}
    used |= {int(t) for t in sg.inputs} | {int(t) for t in sg.outputs}
    keep = sorted(used)
    remap = {old: new for new, old in enumerate(keep)}
    sg.tensors = [sg.tensors[i] for i in keep]
    for o in sg.operators:
        o.inputs = [remap[int(t)] if t >= 0 else -1 for t in o.inputs]
        o.outputs = [remap[int(t)] for t in o.outputs]
    sg.inputs, sg.outputs = [remap[int(t)] for t in sg.inputs], [remap[int(t)] for t in sg.outputs]
    for sig in model.signatureDefs or []:
        for tm in list(sig.inputs or []) + list(sig.outputs or []):
            tm.tensorIndex = remap[int(tm.tensorIndex)]
    meta = {int(m.buffer) for m in model.metadata or []} | {int(b) for b in (model.metadataBuffer or [])}
    bufs = sorted({0} | {int(t.buffer) for t in sg.tensors} | meta)
    bmap = {old: new for new, old in enumerate(bufs)}
    model.buffers = [model.buffers[i] for i in bufs]
    for t in sg.tensors:
        t.buffer = bmap[int(t.buffer)]
    for m in model.metadata or []:
        m.buffer = bmap[int(m.buffer)]
    if model.metadataBuffer is not None:
        model.metadataBuffer = [bmap[int(b)] for b in model.metadataBuffer]


def load(tflite: bytes):
    return schema.ModelT.InitFromPackedBuf(bytearray(tflite), 0)


def serialize(model) -> bytes:
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())
