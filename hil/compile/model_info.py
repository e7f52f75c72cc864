"""What a TFLite flatbuffer says about its inputs and outputs, read without TensorFlow: positions,
tensor indices, names, shapes, types, quantisation, the op that writes each tensor, and the
SignatureDef's names (what a user and the converter call them). The step layer finds a step model's
roles from this."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

from hil.errors import ConfigError, ModelError

_DTYPES = {0: np.float32, 2: np.int32, 3: np.uint8, 4: np.int64, 7: np.int16, 9: np.int8}


@dataclass(frozen=True)
class TensorInfo:
    position: int  # index in the subgraph's input or output list (what set_input/get_output take)
    tensor: int  # tensor index in the subgraph
    name: str
    shape: tuple[int, ...]
    dtype: type
    scale: float  # 0.0 when not quantized
    zero_point: int


@dataclass(frozen=True)
class ModelInfo:
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    ops: list[str]  # builtin op names in execution order (subgraph 0)
    producers: dict[int, str] = field(default_factory=dict)  # tensor index -> op that writes it
    signature_inputs: dict[str, int] = field(default_factory=dict)  # signature name -> input position
    signature_outputs: dict[str, int] = field(default_factory=dict)  # signature name -> output position


def _schema():
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

    return fb


def _tensor_info(sg, position: int, tensor: int) -> TensorInfo:
    t = sg.Tensors(tensor)
    q = t.Quantization()
    scales = q.ScaleAsNumpy() if q is not None and q.ScaleLength() else np.zeros(1)
    zps = q.ZeroPointAsNumpy() if q is not None and q.ZeroPointLength() else np.zeros(1, np.int64)
    dtype = _DTYPES.get(t.Type())
    if dtype is None:
        raise ConfigError(f"tensor '{t.Name().decode()}': wanted a numeric type, got TFLite type {t.Type()}")
    shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
    return TensorInfo(position, tensor, t.Name().decode(), shape, dtype, float(scales[0]), int(zps[0]))


def model_info(tflite_bytes: bytes) -> ModelInfo:
    """Inputs, outputs, ops and signature of subgraph 0 of a TFLite flatbuffer; ModelError if it is damaged."""
    buf = bytes(tflite_bytes)
    if len(buf) < 8 or buf[4:8] != b"TFL3":
        raise ConfigError(f"model: wanted a TFLite flatbuffer (identifier TFL3), got {len(buf)} bytes: {buf[:8]!r}...")
    try:
        return _read(buf)
    except _DAMAGE as exc:  # what the generated flatbuffer accessors raise on a damaged buffer
        raise ModelError(f"model: a damaged TFLite flatbuffer ({type(exc).__name__}: {exc})") from None


_DAMAGE = (IndexError, KeyError, struct.error, UnicodeDecodeError, ValueError, TypeError, AttributeError, OverflowError)


def _read(buf: bytes) -> ModelInfo:
    fb = _schema()
    model = fb.Model.GetRootAsModel(buf, 0)
    sg = model.Subgraphs(0)
    inputs = [_tensor_info(sg, i, int(t)) for i, t in enumerate(sg.InputsAsNumpy())]
    outputs = [_tensor_info(sg, i, int(t)) for i, t in enumerate(sg.OutputsAsNumpy())]
    names = {v: k for k, v in vars(fb.BuiltinOperator).items() if not k.startswith("_")}
    ops, producers = [], {}
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        name = names.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()), "UNKNOWN")
        ops.append(name)
        for t in op.OutputsAsNumpy() if op.OutputsLength() else []:
            producers[int(t)] = name
    sig_in, sig_out = {}, {}
    if model.SignatureDefsLength():
        sig = model.SignatureDefs(0)
        pos_in = {x.tensor: x.position for x in inputs}
        pos_out = {x.tensor: x.position for x in outputs}
        for j in range(sig.InputsLength()):
            sig_in[sig.Inputs(j).Name().decode()] = pos_in[sig.Inputs(j).TensorIndex()]
        for j in range(sig.OutputsLength()):
            sig_out[sig.Outputs(j).Name().decode()] = pos_out[sig.Outputs(j).TensorIndex()]
    return ModelInfo(inputs, outputs, ops, producers, sig_in, sig_out)
