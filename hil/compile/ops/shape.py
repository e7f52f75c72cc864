"""Data movement: RESHAPE (SQUEEZE, EXPAND_DIMS), CONCATENATION, SPLIT, SPLIT_V,
STRIDED_SLICE: firmware/src/ops/op_{reshape,concatenation,split,strided_slice}.c.

None of these change values. TFLM's CONCATENATION copies bytes too: it rejects
int8 inputs whose scale or zero point differ from the output's (no
requantisation) and int16 inputs with a zero point, and so does the compiler."""

from __future__ import annotations

import struct

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from hil.compile.ops import DataWriter, OpCode, OpSpec, register
from hil.compile.ops.tflm_prepare import ELEM_BYTES, c_strides, const_ints
from hil.compile.tflite import Graph, Op, Tensor
from hil.errors import ModelError

_DTYPES = ("int8", "int16", "float32", "int32")
_MAX_PARTS = 16  # MAX_INPUTS / MAX_OUTPUTS in the op files
_MAX_CONCAT_INPUTS = 10  # TFLM's kMaxInputNum


def tensor(op: Op, g: Graph, index: int) -> Tensor:
    """Tensor `index` of op, of a type the data-movement ops copy; otherwise one ModelError."""
    t = g.tensor(index)
    if t is None:
        raise ModelError(f"{op.where()}: a required tensor is missing")
    if t.dtype not in _DTYPES:
        raise ModelError(f"{op.where()}: tensor {t.name!r} is {t.dtype}; the runtime takes {'/'.join(_DTYPES)} here")
    return t


def same_quantisation(op: Op, inp: Tensor, out: Tensor) -> None:
    """ModelError unless out may take inp's bytes as they are (ops that copy: TFLM never requantises)."""
    if inp.dtype != out.dtype:
        raise ModelError(f"{op.where()}: input is {inp.dtype}, output {out.dtype}; TFLM's {op.name} copies bytes")
    if inp.scale.size and out.scale.size and (inp.scale[0] != out.scale[0] or inp.zero_point[0] != out.zero_point[0]):
        raise ModelError(f"{op.where()}: input and output quantisation differ; TFLM's {op.name} copies bytes")


def elements(shape) -> int:
    """The element count of a shape."""
    return int(np.prod(shape, dtype=np.int64))


def axis_index(op: Op, axis: int, ndim: int) -> int:
    """axis (negative from the end) as 0..ndim-1."""
    if not -ndim <= axis < ndim:
        raise ModelError(f"{op.where()}: axis {axis} is out of range for {ndim} dimensions")
    return axis + ndim if axis < 0 else axis


@register("RESHAPE", inputs=(1, 2))
@register("SQUEEZE")
@register("EXPAND_DIMS", inputs=2)
def reshape(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp, out = tensor(op, g, op.inputs[0]), tensor(op, g, op.outputs[0])
    if inp.dtype != out.dtype or elements(inp.shape) != elements(out.shape):
        raise ModelError(f"{op.where()}: cannot reshape {inp.dtype}{list(inp.shape)} into {out.dtype}{list(out.shape)}")
    same_quantisation(op, inp, out)
    return OpSpec(OpCode.RESHAPE, [op.inputs[0]], [op.outputs[0]], struct.pack("<I", 0), alias_output=True)


def copy_list(op: Op, parts: list[Tensor], whole: Tensor, axis: int) -> bytes:
    """outer, n, and the bytes per outer block of each part of whole along axis."""
    if len(parts) > _MAX_PARTS:
        raise ModelError(f"{op.where()}: {len(parts)} parts; the runtime handles {_MAX_PARTS}")
    esize = ELEM_BYTES[whole.dtype]
    total = 0
    for t in parts:
        if t.dtype != whole.dtype or len(t.shape) != len(whole.shape) or any(
            t.shape[k] != whole.shape[k] for k in range(len(whole.shape)) if k != axis
        ):
            raise ModelError(f"{op.where()}: {t.dtype}{list(t.shape)} does not fit {whole.dtype}{list(whole.shape)} "
                             f"along axis {axis}")  # fmt: skip
        total += t.shape[axis]
    if total != whole.shape[axis]:
        raise ModelError(f"{op.where()}: parts add up to {total} along axis {axis}, not {whole.shape[axis]}")
    outer = elements(whole.shape[:axis])
    copy = [elements(t.shape[axis:]) * esize for t in parts]
    return struct.pack(f"<ii{len(copy)}I", outer, len(copy), *copy)


@register("CONCATENATION", inputs=(1, None), options=schema.ConcatenationOptionsT)
def concatenation(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    out = tensor(op, g, op.outputs[0])
    inputs = [tensor(op, g, i) for i in op.inputs]
    if int(getattr(op.options, "fusedActivationFunction", 0) or 0) != 0:
        raise ModelError(f"{op.where()}: a fused activation on CONCATENATION is not supported (nor by TFLM)")
    if len(inputs) > _MAX_CONCAT_INPUTS:
        raise ModelError(f"{op.where()}: {len(inputs)} inputs; TFLM concatenates at most {_MAX_CONCAT_INPUTS}")
    for t in inputs + [out]:
        if out.dtype == "int8" and (t.scale.size != 1 or out.scale.size != 1 or t.scale[0] != out.scale[0]
                                    or t.zero_point[0] != out.zero_point[0]):  # fmt: skip
            raise ModelError(f"{op.where()}: int8 input {t.name!r} is quantised differently from the output; "
                             "TFLM does not requantise in CONCATENATION")  # fmt: skip
        if out.dtype == "int16" and (t.zero_point.size != 1 or t.zero_point[0] != 0):
            raise ModelError(f"{op.where()}: int16 CONCATENATION needs zero points 0 (TFLM requires it)")
    axis = axis_index(op, int(getattr(op.options, "axis", 0)), len(out.shape))
    params = copy_list(op, inputs, out, axis)
    return OpSpec(OpCode.CONCATENATION, list(op.inputs), [op.outputs[0]], params)


@register("SPLIT", inputs=2, outputs=(1, None))
@register("SPLIT_V", inputs=3, outputs=(1, None))
def split(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    if op.name == "SPLIT":  # inputs: axis, value
        data_index, axis_t = op.inputs[1], g.tensor(op.inputs[0])
    else:  # inputs: value, size_splits, axis
        data_index, axis_t = op.inputs[0], g.tensor(op.inputs[2])
    inp = tensor(op, g, data_index)
    axes = const_ints(op, axis_t, "axis")
    if len(axes) != 1:
        raise ModelError(f"{op.where()}: wanted one axis, got {len(axes)} values")
    axis = axis_index(op, axes[0], len(inp.shape))
    outputs = [tensor(op, g, o) for o in op.outputs]
    params = copy_list(op, outputs, inp, axis)
    return OpSpec(OpCode.SPLIT, [data_index], list(op.outputs), params)


def _slice_axis(size: int, begin: int, end: int, stride: int, begin_masked: bool, end_masked: bool,
                shrink: bool) -> tuple[int, int]:  # fmt: skip
    """(start, count) as TFLM's StridedSliceStartForAxis / StridedSliceEndForAxis resolve one axis."""
    start = begin + size if begin < 0 else begin
    start = min(max(start, 0), size) if stride > 0 else min(max(start, -1), size - 1)
    if begin_masked:
        start = 0 if stride > 0 else size - 1
    if shrink:
        stop = start if start >= size else start + 1
    else:
        stop = end + size if end < 0 else end
        stop = min(max(stop, 0), size) if stride > 0 else min(max(stop, -1), size - 1)
        if end_masked:
            stop = size if stride > 0 else -1
    if stride > 0:
        count = max(0, -(-(stop - start) // stride))
    else:
        count = max(0, -(-(start - stop) // -stride))
    return start, count


@register("STRIDED_SLICE", inputs=4, options=schema.StridedSliceOptionsT, options_required=True)
def strided_slice(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp, out = tensor(op, g, op.inputs[0]), tensor(op, g, op.outputs[0])
    o = op.options
    if getattr(o, "ellipsisMask", 0) or getattr(o, "newAxisMask", 0) or getattr(o, "offset", False):
        raise ModelError(f"{op.where()}: ellipsis_mask, new_axis_mask and offset are not supported (nor by TFLM)")
    if inp.dtype != out.dtype:
        raise ModelError(f"{op.where()}: input and output types differ")
    n = len(inp.shape)
    if n > 4:
        raise ModelError(f"{op.where()}: {n}-D input; the runtime handles 4")
    begin = const_ints(op, g.tensor(op.inputs[1]), "begin")
    end = const_ints(op, g.tensor(op.inputs[2]), "end")
    strides = const_ints(op, g.tensor(op.inputs[3]), "strides")
    if not len(begin) == len(end) == len(strides) == n:
        raise ModelError(f"{op.where()}: begin/end/strides must have one value per input dimension")
    if any(s == 0 for s in strides):
        raise ModelError(f"{op.where()}: stride values must be non-zero")
    bm, em, sm = int(o.beginMask), int(o.endMask), int(o.shrinkAxisMask)
    in_strides = c_strides(inp.shape)
    base, counts, steps = 0, [], []
    for k in range(n):
        start, count = _slice_axis(int(inp.shape[k]), begin[k], end[k], strides[k], bool(bm >> k & 1),
                                   bool(em >> k & 1), bool(sm >> k & 1))  # fmt: skip
        base += start * in_strides[k]
        counts.append(count)
        steps.append(strides[k] * in_strides[k] if count > 1 else 0)  # a single index never steps
    if elements(counts) != elements(out.shape):
        raise ModelError(f"{op.where()}: the slice has {elements(counts)} elements but the output shape is {out.shape}")
    if elements(counts) == 0:
        base = 0
    pad = 4 - n
    params = struct.pack("<9i", base, *([1] * pad + counts), *([0] * pad + steps))
    return OpSpec(OpCode.STRIDED_SLICE, [op.inputs[0]], [op.outputs[0]], params)
