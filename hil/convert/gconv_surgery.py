"""Replace each residual block of an int8 single-step Conv-FSENet by one HIL_GATED_CONV op.

The step model (models/conv-fsenet/net.py step_model) writes a block as plain layers with its depthwise
history as a model state: state_<k> and u (FULLY_CONNECTED, ReLU) concatenated into the window, the taps
(STRIDED_SLICE when dilated) through DEPTHWISE_CONV_2D (ReLU), FULLY_CONNECTED projection, ADD with the
block input x, and state_out_<k> the window's last (K-1) d rows; RESHAPEs between. The surgery finds those
ops from the state pair, reads the int8 weights and quantisations the converter chose (hil.gconv.BlockQ),
adds the gate head (quantised here: hil.gconv.block.quantize_gate; or none: a static block), and puts one
custom op in their place: inputs x and a variable history tensor (the op keeps the history itself),
outputs the block output and gates_<k> (a new model output). state_<k> / state_out_<k> leave the model.
A gated step model also has inputs gate_<k>, multiplied (MUL) into u and v so that the converter calibrates
u, v and everything downstream on the gated model's activations: those MULs and inputs leave too, and u
and v take the quantisation of the MULs' outputs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from hil.convert.mpgru_surgery import _custom_opcode, _graph_maps, _op_name, load, prune, serialize
from hil.errors import ConfigError
from hil.gconv import BlockQ, options
from hil.gconv.block import quantize_gate
from hil.step.roles import step_io

PASS_THROUGH = {"RESHAPE", "STRIDED_SLICE", "EXPAND_DIMS", "SQUEEZE"}


@dataclass(frozen=True)
class BlockSite:
    x: int  # block input tensor
    y: int  # block output (the ADD's)
    ops: tuple[int, ...]
    add: int  # op indices: the ADD (where the custom op goes), expansion, depthwise and projection
    expand: int
    depthwise: int
    project: int
    kernel: int
    dilation: int
    gated: bool = False  # the step model multiplies u and v by gate inputs (calibration), taken out here


def _gated_by(op, gates: set[int]) -> int | None:
    """A MUL of a tensor by a gate input: the other input, else None."""
    ins = [int(t) for t in op.inputs]
    if len(ins) == 2 and (ins[0] in gates) != (ins[1] in gates):
        return ins[1] if ins[0] in gates else ins[0]
    return None


def _through(model, producer, t: int, want: str, gates: frozenset[int] = frozenset()):
    """(op index of `want` producing t, seen through pass-through ops and gate MULs, the ops passed)."""
    sg, passed = model.subgraphs[0], []
    while (o := producer.get(t)) is not None:
        name = _op_name(model, sg.operators[o])
        if name == want:
            return o, passed
        gated = _gated_by(sg.operators[o], gates) if name == "MUL" else None
        if name not in PASS_THROUGH and gated is None:
            break
        passed.append(o)
        t = gated if gated is not None else int(sg.operators[o].inputs[0])
    raise ConfigError(f"gated block: wanted a {want} behind tensor {t}, got {name if o is not None else 'a model input'}")


def find_block(model, state: int, state_out: int, k: int, gates: frozenset[int] = frozenset()) -> BlockSite:
    sg = model.subgraphs[0]
    producer, consumers = _graph_maps(sg)
    where = f"gated block {k} (state tensor {state})"
    (concat,) = consumers.get(state, [None]) if len(consumers.get(state, [])) == 1 else (None,)
    if concat is None or _op_name(model, sg.operators[concat]) != "CONCATENATION":
        raise ConfigError(f"{where}: wanted the state read by one CONCATENATION")
    expand, via = _through(model, producer, int(sg.operators[concat].inputs[1]), "FULLY_CONNECTED", gates)
    ops, todo, project = {concat, expand, *via}, [int(t) for t in sg.operators[concat].outputs], None
    while todo:  # the window's readers up to the projection
        for o in consumers.get(todo.pop(), []):
            name = _op_name(model, sg.operators[o])
            gate_mul = name == "MUL" and _gated_by(sg.operators[o], gates) is not None
            if o in ops or (name not in PASS_THROUGH | {"DEPTHWISE_CONV_2D", "FULLY_CONNECTED"} and not gate_mul):
                continue
            ops.add(o)
            if name == "FULLY_CONNECTED":
                project = o
            else:
                todo.extend(int(t) for t in sg.operators[o].outputs)
    adds = [o for o in range(len(sg.operators)) if _op_name(model, sg.operators[o]) == "ADD"
            and any(project in [_safe(model, producer, int(t))] for t in sg.operators[o].inputs)]  # fmt: skip
    dws = [o for o in ops if _op_name(model, sg.operators[o]) == "DEPTHWISE_CONV_2D"]
    if project is None or len(dws) != 1 or len(adds) != 1:
        raise ConfigError(f"{where}: wanted window -> DEPTHWISE_CONV_2D -> FULLY_CONNECTED -> ADD, got "
                          f"{len(dws)} depthwise, {'a' if project is not None else 'no'} projection, {len(adds)} ADD")
    add, x = sg.operators[adds[0]], int(sg.operators[expand].inputs[0])
    other = [int(t) for t in add.inputs if int(t) != x]
    _, tail = _through(model, producer, other[0] if len(other) == 1 else -1, "FULLY_CONNECTED")
    win = sg.tensors[int(sg.operators[concat].outputs[0])].shape[-2]
    taps = sg.tensors[int(sg.operators[dws[0]].inputs[0])].shape[-2]
    hist = win - 1
    if taps < 2 or hist % (taps - 1) or len(other) != 1:
        raise ConfigError(f"{where}: wanted the ADD of the block input and a window of (K-1) d + 1 frames, got "
                          f"window {win}, {taps} taps")  # fmt: skip
    ops |= {adds[0], *tail}
    muls = any(_op_name(model, sg.operators[o]) == "MUL" for o in ops)
    return BlockSite(x, int(add.outputs[0]), tuple(sorted(ops)), adds[0], expand, dws[0], project, taps,
                     hist // (taps - 1), muls)  # fmt: skip


def _safe(model, producer, t):
    try:
        return _through(model, producer, t, "FULLY_CONNECTED")[0]
    except ConfigError:
        return None


def _tensor(model, i: int):
    sg = model.subgraphs[0]
    t = sg.tensors[i]
    q = t.quantization
    data = None
    if t.buffer and model.buffers[t.buffer].data is not None:
        dtype = {schema.TensorType.INT8: np.int8, schema.TensorType.INT32: np.int32}[t.type]
        data = np.frombuffer(np.asarray(model.buffers[t.buffer].data, np.uint8).tobytes(), dtype).reshape(t.shape)
    return data, np.asarray(q.scale, np.float32), (float(q.scale[0]), int(q.zeroPoint[0]))


def _bias(model, op, n: int) -> np.ndarray:
    """An op's int32 bias, zeros when the converter left it out (a bias of zeros)."""
    if len(op.inputs) < 3 or int(op.inputs[2]) < 0:
        return np.zeros(n, np.int32)
    return _tensor(model, int(op.inputs[2]))[0].reshape(n)


def block_q(model, site: BlockSite, head, z_max: float) -> BlockQ:
    """The block's numbers from the int8 graph; head None: a static block."""
    sg = model.subgraphs[0]
    ex, dw, pr = (sg.operators[o] for o in (site.expand, site.depthwise, site.project))
    w1, s1, _ = _tensor(model, int(ex.inputs[1]))
    wd, sd, _ = _tensor(model, int(dw.inputs[1]))
    w2, s2, _ = _tensor(model, int(pr.inputs[1]))
    # u as the window holds it and v as the projection reads it: after a gate MUL where the step model
    # has one (its quantisation calibrated on the gated activations), else the expansion's and the
    # depthwise's own outputs
    qs = {name: _tensor(model, t)[2] for name, t in (("x", site.x), ("u", int(dw.inputs[0])),
          ("v", int(pr.inputs[0])), ("p", int(pr.outputs[0])), ("y", site.y))}  # fmt: skip
    if not site.gated and (_tensor(model, int(ex.outputs[0]))[2], _tensor(model, int(dw.outputs[0]))[2]) != (
            qs["u"], qs["v"]):
        raise ConfigError(f"gated block at tensor {site.x}: the window or the projection's input is quantised "
                          f"unlike the expansion's or the depthwise's output")  # fmt: skip
    m, c = w1.shape
    gate = quantize_gate(head, qs["x"][0], z_max) if head is not None else quantize_gate(
        (np.zeros((1, c)), np.zeros(1), np.zeros((m, 1)), np.ones(m)), qs["x"][0], 1.0)  # fmt: skip
    return BlockQ(site.kernel, site.dilation, qs["x"], gate.pop("z_q"), qs["u"], qs["v"], qs["p"], qs["y"],
                  w1=w1, w1_scale=np.broadcast_to(s1, (m,)), b1=_bias(model, ex, m),
                  wd=wd.reshape(site.kernel, m), wd_scale=np.broadcast_to(sd, (m,)),
                  bd=_bias(model, dw, m), w2t=np.ascontiguousarray(w2.T),
                  w2_scale=np.broadcast_to(s2, (c,)), b2=_bias(model, pr, c), open=head is None,
                  **gate)  # fmt: skip


def _new_tensor(model, name: str, shape, scale: float, zp: int, ttype=schema.TensorType.INT8, data=None,
                variable: bool = False, axis: int = 0, scales=None) -> int:  # fmt: skip
    sg = model.subgraphs[0]
    t = schema.TensorT()
    t.name, t.shape, t.type, t.isVariable, t.buffer = name, list(shape), ttype, variable, 0
    if data is not None:
        buf = schema.BufferT()
        buf.data = np.frombuffer(np.ascontiguousarray(data).tobytes(), np.uint8)
        model.buffers.append(buf)
        t.buffer = len(model.buffers) - 1
    if scale is not None or scales is not None:
        q = schema.QuantizationParametersT()
        sc = np.atleast_1d(scales if scales is not None else scale).astype(np.float32)
        q.scale, q.zeroPoint, q.quantizedDimension = [float(v) for v in sc], [int(zp)] * len(sc), axis
        t.quantization = q
    sg.tensors.append(t)
    return len(sg.tensors) - 1


def custom_op(model, site: BlockSite, q: BlockQ, k: int):
    """(the HIL_GATED_CONV op for the block, its gates_<k> tensor): tensors added, ops not yet replaced."""
    hist = _new_tensor(model, f"gconv_{k}/history", (options.history_bytes(q.kernel, q.dilation, q.mid),),
                       *q.u_q, variable=True)  # fmt: skip
    consts = []
    for name, data, scales, axis in options.const_inputs(q):
        ttype = schema.TensorType.INT32 if data.dtype == np.int32 else schema.TensorType.INT8
        consts.append(_new_tensor(model, f"gconv_{k}/{name}", data.shape, None, 0, ttype, data, axis=axis,
                                  scales=scales))  # fmt: skip
    gates = _new_tensor(model, f"gates_{k}", (1, q.mid), 1.0, 0)
    op = schema.OperatorT()
    op.opcodeIndex = _custom_opcode(model, options.CUSTOM_CODE)
    op.inputs, op.outputs = [site.x, hist] + consts, [site.y, gates]
    op.customOptions = np.frombuffer(options.encode(q), np.uint8)
    op.customOptionsFormat = schema.CustomOptionsFormat.FLEXBUFFERS
    return op, gates


def _signature(model, drop: set[int], add: list[tuple[str, int]]) -> None:
    for sig in model.signatureDefs or []:
        sig.inputs = [m for m in sig.inputs or [] if int(m.tensorIndex) not in drop]
        sig.outputs = [m for m in sig.outputs or [] if int(m.tensorIndex) not in drop]
        for name, t in add:
            m = schema.TensorMapT()
            m.name, m.tensorIndex = name, t
            sig.outputs.append(m)


def gated_tflite(tflite: bytes, heads: list, z_max: list[float]) -> tuple[bytes, list[BlockQ]]:
    """(the model with each block k as HIL_GATED_CONV, the blocks' numbers); heads[k] None: a static block."""
    model, io = load(tflite), step_io(tflite)
    given = frozenset(t.tensor for t in io.gates)  # a gated step model's calibration gates
    blocks = len(io.states)
    if len(heads) != blocks or len(z_max) != len(heads):
        raise ConfigError(f"gate {max(len(heads), len(z_max)) - 1} refers to block {max(len(heads), len(z_max)) - 1}; "
                          f"the model has {blocks} blocks (state_0..state_{blocks - 1})")  # fmt: skip
    pairs = [(a.tensor, b.tensor) for a, b in io.states]
    sites = [find_block(model, s, so, k, given) for k, (s, so) in enumerate(pairs)]
    qs = [block_q(model, site, head, zm) for site, head, zm in zip(sites, heads, z_max)]
    sg, made = model.subgraphs[0], [custom_op(model, site, q, k) for k, (site, q) in enumerate(zip(sites, qs))]
    at = {site.add: op for site, (op, _) in zip(sites, made)}  # each block's op where its ADD was
    gone = {i for site in sites for i in site.ops}
    sg.operators = [at.get(i, o) for i, o in enumerate(sg.operators) if i in at or i not in gone]
    gates = [(f"gates_{k}", t) for k, (_, t) in enumerate(made)]
    drop = {t for pair in pairs for t in pair} | given
    sg.inputs = [t for t in sg.inputs if int(t) not in drop]
    sg.outputs = [t for t in sg.outputs if int(t) not in drop] + [t for _, t in gates]
    _signature(model, drop, gates)
    prune(model)
    return serialize(model), qs
