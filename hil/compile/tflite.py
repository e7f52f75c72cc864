"""Read a .tflite flatbuffer into a plain graph: tensors, operators, buffers as numpy."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from hil.errors import ModelError

_DTYPES = {
    schema.TensorType.FLOAT32: "float32",
    schema.TensorType.INT8: "int8",
    schema.TensorType.INT16: "int16",
    schema.TensorType.INT32: "int32",
    schema.TensorType.UINT8: "uint8",
    schema.TensorType.INT64: "int64",
    schema.TensorType.BOOL: "bool",
}
_OP_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}


@dataclass
class Tensor:
    index: int
    name: str
    dtype: str
    shape: tuple[int, ...]
    scale: np.ndarray  # float32, one per channel (or one), empty when not quantised
    zero_point: np.ndarray  # int64
    quantized_dimension: int
    data: Optional[np.ndarray]  # constant contents, else None
    variable: bool = False  # a TFLite variable tensor: kept from one run to the next (an op's history)

    @property
    def is_const(self) -> bool:
        return self.data is not None

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * np.dtype(self.dtype).itemsize


@dataclass
class Op:
    index: int
    name: str  # builtin name (FULLY_CONNECTED, ...) or the custom code
    inputs: list[int]  # -1: absent optional input
    outputs: list[int]
    options: object = None
    custom_options: bytes = b""

    def where(self) -> str:
        return f"node {self.index} ({self.name})"


@dataclass
class Graph:
    tensors: list[Tensor]
    ops: list[Op]
    inputs: list[int]
    outputs: list[int]
    source: str = ""
    consumers: dict[int, list[int]] = field(default_factory=dict)
    signature_names: dict[int, str] = field(default_factory=dict)  # tensor index -> its SignatureDef name

    def tensor(self, index: int) -> Optional[Tensor]:
        return None if index < 0 else self.tensors[index]


def _text(raw) -> str:
    """A flatbuffer string as text: names only label things, so bytes that are not UTF-8 are replaced."""
    if raw is None:
        return ""
    return raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)


def _ints(values) -> list[int]:
    return [int(x) for x in (values if values is not None else [])]


def dims(shape: tuple[int, ...]) -> str:
    """A shape for a message: a damaged file's can have thousands of dimensions."""
    return str(list(shape)) if len(shape) <= 8 else f"[{', '.join(map(str, shape[:8]))}, ... ({len(shape)} dimensions)]"


def check_fixed_shape(where: str, shape: tuple[int, ...]) -> None:
    if any(d < 0 for d in shape):
        raise ModelError(f"{where}: wanted a fixed shape, got {dims(shape)} (a dynamic dimension)")


def _constant(where: str, t, buffers: list, dtype: str, shape: tuple[int, ...]) -> Optional[np.ndarray]:
    """A tensor's constant contents (None when its buffer is empty); its size must be what its shape says."""
    if not 0 <= t.buffer < len(buffers):
        raise ModelError(f"{where}: wanted a buffer index below {len(buffers)}, got {t.buffer}")
    buffer = buffers[t.buffer]
    raw = buffer.data if t.buffer > 0 and buffer is not None else None
    if raw is None or not len(raw):
        if t.buffer > 0 and buffer is not None and buffer.offset > 1:
            raise ModelError(f"{where}: its constant is stored outside the flatbuffer (offset {buffer.offset}); "
                             "hil reads inline buffers (models under 2 GB)")  # fmt: skip
        return None
    want = math.prod(shape) * np.dtype(dtype).itemsize
    if len(raw) != want:
        raise ModelError(f"{where}: {dtype}{dims(shape)} wants {want:,} bytes of data, "
                         f"buffer {t.buffer} holds {len(raw):,}")  # fmt: skip
    return np.frombuffer(np.asarray(raw, dtype=np.uint8).tobytes(), dtype=dtype).reshape(shape)


def _tensor(label: str, i: int, t, buffers: list) -> Tensor:
    name = _text(t.name)
    where = f"{label}: tensor {i} ({name!r})"
    if t.type not in _DTYPES:
        raise ModelError(f"{where} has TFLite type {t.type}, which hil does not handle")
    dtype = _DTYPES[t.type]
    shape = tuple(_ints(t.shape))
    check_fixed_shape(where, shape)
    q = t.quantization
    scale = np.asarray(q.scale if q is not None and q.scale is not None else [], dtype=np.float32)
    zp = np.asarray(q.zeroPoint if q is not None and q.zeroPoint is not None else [], dtype=np.int64)
    qdim = int(q.quantizedDimension) if q is not None else 0
    data = _constant(where, t, buffers, dtype, shape)
    return Tensor(i, name, dtype, shape, scale, zp, qdim, data, bool(t.isVariable) and data is None)


def _op(label: str, i: int, o, codes: list) -> Op:
    if not 0 <= o.opcodeIndex < len(codes):
        raise ModelError(f"{label}: node {i}: wanted an operator code index below {len(codes)}, got {o.opcodeIndex}")
    code = codes[o.opcodeIndex]
    builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
    name = _text(code.customCode) if builtin == schema.BuiltinOperator.CUSTOM else _OP_NAMES.get(builtin, str(builtin))
    custom = bytes(np.asarray(o.customOptions, dtype=np.uint8)) if o.customOptions is not None else b""
    return Op(i, name or "CUSTOM", _ints(o.inputs), _ints(o.outputs), o.builtinOptions, custom)


def _signature_names(model) -> dict[int, str]:
    """Tensor index -> the name the first subgraph's SignatureDefs give it (inputs, then outputs)."""
    names: dict[int, str] = {}
    for sig in model.signatureDefs or []:
        if sig.subgraphIndex == 0:
            for m in (sig.inputs or []) + (sig.outputs or []):
                names.setdefault(int(m.tensorIndex), _text(m.name))
    return names


def _parse(source: bytes | Path | str):
    """(label, the flatbuffer's object tree) of a .tflite file or its bytes."""
    label = str(source) if not isinstance(source, bytes) else "<model bytes>"
    try:
        buf = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read model {label}: {exc.strerror}") from None
    if len(buf) < 8 or buf[4:8] != b"TFL3":
        raise ModelError(f"{label} is not a TFLite flatbuffer (wanted identifier 'TFL3', got {bytes(buf[4:8])!r})")
    try:
        return label, schema.ModelT.InitFromPackedBuf(buf, 0)
    except Exception as exc:  # the generated parser raises whatever a corrupt buffer triggers
        raise ModelError(f"{label} is a corrupt TFLite flatbuffer: {exc}") from None


def read_tflite(source: bytes | Path | str) -> Graph:
    """Parse a .tflite file or its bytes; a bad file is a ModelError naming it. What is decoded here is
    checked here (indices into the file's own tables, buffer sizes); hil.compile.graph_check checks the graph."""
    label, model = _parse(source)
    subgraphs = model.subgraphs or []
    if len(subgraphs) != 1:
        raise ModelError(f"{label} has {len(subgraphs)} subgraphs; hil runs single-subgraph models "
                         "(control flow such as WHILE is not supported: export recurrent models as single steps)")
    sg = subgraphs[0]
    tensors = [_tensor(label, i, t, model.buffers or []) for i, t in enumerate(sg.tensors or [])]
    ops = [_op(label, i, o, model.operatorCodes or []) for i, o in enumerate(sg.operators or [])]
    graph = Graph(tensors, ops, _ints(sg.inputs), _ints(sg.outputs), label, signature_names=_signature_names(model))
    for op in ops:
        for t in op.inputs:
            graph.consumers.setdefault(t, []).append(op.index)
    return graph
