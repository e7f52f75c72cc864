"""Read a .tflite flatbuffer into a plain graph: tensors, operators, buffers as numpy."""

from __future__ import annotations

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

    @property
    def is_const(self) -> bool:
        return self.data is not None

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * np.dtype(self.dtype).itemsize


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

    def tensor(self, index: int) -> Optional[Tensor]:
        return None if index < 0 else self.tensors[index]


def _tensor(i: int, t, buffers) -> Tensor:
    if t.type not in _DTYPES:
        raise ModelError(f"tensor {i} ({t.name!r}) has TFLite type {t.type}, which hil does not handle")
    dtype = _DTYPES[t.type]
    shape = tuple(int(d) for d in (t.shape if t.shape is not None else []))
    q = t.quantization
    scale = np.asarray(q.scale if q is not None and q.scale is not None else [], dtype=np.float32)
    zp = np.asarray(q.zeroPoint if q is not None and q.zeroPoint is not None else [], dtype=np.int64)
    raw = buffers[t.buffer].data if 0 < t.buffer < len(buffers) else None
    data = None
    if raw is not None and len(raw):
        data = np.frombuffer(np.asarray(raw, dtype=np.uint8).tobytes(), dtype=dtype).reshape(shape)
    name = t.name.decode() if isinstance(t.name, bytes) else str(t.name)
    return Tensor(i, name, dtype, shape, scale, zp, int(q.quantizedDimension) if q is not None else 0, data)


def read_tflite(source: bytes | Path | str) -> Graph:
    """Parse a .tflite file or its bytes; a bad file is a ModelError naming it."""
    label = str(source) if not isinstance(source, bytes) else "<model bytes>"
    try:
        buf = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read model {label}: {exc.strerror}") from None
    if len(buf) < 8 or buf[4:8] != b"TFL3":
        raise ModelError(f"{label} is not a TFLite flatbuffer (wanted identifier 'TFL3', got {bytes(buf[4:8])!r})")
    try:
        model = schema.ModelT.InitFromPackedBuf(buf, 0)
    except Exception as exc:  # the generated parser raises whatever a corrupt buffer triggers
        raise ModelError(f"{label} is a corrupt TFLite flatbuffer: {exc}") from None
    if len(model.subgraphs) != 1:
        raise ModelError(f"{label} has {len(model.subgraphs)} subgraphs; hil runs single-subgraph models "
                         "(control flow such as WHILE is not supported: export recurrent models as single steps)")
    sg = model.subgraphs[0]
    tensors = [_tensor(i, t, model.buffers) for i, t in enumerate(sg.tensors)]
    ops = []
    for i, o in enumerate(sg.operators or []):
        code = model.operatorCodes[o.opcodeIndex]
        builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
        name = code.customCode.decode() if builtin == schema.BuiltinOperator.CUSTOM else _OP_NAMES.get(builtin, str(builtin))
        custom = bytes(np.asarray(o.customOptions, dtype=np.uint8)) if o.customOptions is not None else b""
        ops.append(Op(i, name, [int(x) for x in o.inputs], [int(x) for x in o.outputs], o.builtinOptions, custom))
    graph = Graph(tensors, ops, [int(x) for x in sg.inputs], [int(x) for x in sg.outputs], label)
    for op in ops:
        for t in op.inputs:
            graph.consumers.setdefault(t, []).append(op.index)
    return graph
