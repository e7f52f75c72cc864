"""Data movement Keras layers lower to: TRANSPOSE (Permute), TILE (UpSampling1D/2D), PACK, UNPACK and
RESIZE_NEAREST_NEIGHBOR (Resizing), any element type the runtime copies.

TRANSPOSE and TILE are one affine gather (hil_strided_slice): TRANSPOSE under its own op code, TILE
under STRIDED_SLICE's (as SQUEEZE compiles to RESHAPE; TFLM has no TILE kernel, so TILE's golden
reference is TFLite's). PACK and UNPACK are CONCATENATION and SPLIT along a new axis, under their
own codes: firmware/src/ops/op_{strided_slice,concatenation,split}.c. RESIZE_NEAREST_NEIGHBOR takes
every align_corners / half_pixel_centers combination: its source rows and columns are computed here
with TFLM's float32 arithmetic (firmware/src/ops/op_resize_nearest_neighbor.c). None of them
requantises, in TFLM either: the compiler wants inputs and outputs quantised alike."""

from __future__ import annotations

import dataclasses
import struct

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from hil.compile.ops import DataWriter, OpCode, OpSpec, register
from hil.compile.ops.shape import axis_index, copy_list, same_quantisation, tensor
from hil.compile.ops.tflm_prepare import c_strides, const_ints, merge_axes, pad4
from hil.compile.tflite import Graph, Op, Tensor
from hil.errors import ModelError
from hil.quant.tflm import nearest_neighbor_map


def gather_params(op: Op, dims: list[int], steps: list[int]) -> bytes:
    """hil_slice_params_t for out[i] = in[sum_k i_k * steps[k]] over dims (row-major), axes merged."""
    merged, (merged_steps,) = pad4(op, *merge_axes([int(d) for d in dims], [int(s) for s in steps]))
    return struct.pack("<9i", 0, *merged, *merged_steps)


def _copy(op: Op, g: Graph) -> tuple[Tensor, Tensor]:
    inp, out = tensor(op, g, op.inputs[0]), tensor(op, g, op.outputs[0])
    same_quantisation(op, inp, out)
    return inp, out


@register("TRANSPOSE", inputs=2)
def transpose(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp, out = _copy(op, g)
    perm = const_ints(op, g.tensor(op.inputs[1]), "permutation")
    if sorted(perm) != list(range(len(inp.shape))):
        raise ModelError(f"{op.where()}: permutation {perm} does not reorder {len(inp.shape)} dimensions")
    dims, strides = [inp.shape[p] for p in perm], c_strides(inp.shape)
    if tuple(dims) != tuple(out.shape):
        raise ModelError(f"{op.where()}: transposing {list(inp.shape)} by {perm} gives {dims}, not {list(out.shape)}")
    params = gather_params(op, dims, [strides[p] for p in perm])
    return OpSpec(OpCode.TRANSPOSE, [op.inputs[0]], [op.outputs[0]], params)


@register("TILE", inputs=2)
def tile(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp, out = _copy(op, g)
    multiples = const_ints(op, g.tensor(op.inputs[1]), "multiples")
    if len(multiples) != len(inp.shape) or min(multiples, default=1) < 1:
        raise ModelError(f"{op.where()}: wanted {len(inp.shape)} multiples >= 1, got {multiples}")
    if tuple(d * m for d, m in zip(inp.shape, multiples)) != tuple(out.shape):
        raise ModelError(f"{op.where()}: tiling {list(inp.shape)} by {multiples} does not give {list(out.shape)}")
    dims, steps = [], []
    for d, m, s in zip(inp.shape, multiples, c_strides(inp.shape)):
        dims += [m, d]  # output index r * d + j: the repeat r (step 0) outside, the input's j inside
        steps += [0, s]
    return OpSpec(OpCode.STRIDED_SLICE, [op.inputs[0]], [op.outputs[0]], gather_params(op, dims, steps))


def _stacked(op: Op, parts: list[Tensor], whole: Tensor, axis: int) -> list[Tensor]:
    """The parts of a PACK / UNPACK as slices of whole along axis: each shaped whole without that axis,
    quantised alike."""
    if whole.shape[axis] != len(parts):
        raise ModelError(f"{op.where()}: {len(parts)} parts along axis {axis} of {list(whole.shape)}")
    for t in parts:
        same_quantisation(op, t, whole)
    return [dataclasses.replace(t, shape=t.shape[:axis] + (1,) + t.shape[axis:]) for t in parts]


@register("PACK", inputs=(1, None), options=schema.PackOptionsT)
def pack(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    out = tensor(op, g, op.outputs[0])
    axis = axis_index(op, int(getattr(op.options, "axis", 0)), len(out.shape))
    parts = _stacked(op, [tensor(op, g, i) for i in op.inputs], out, axis)
    return OpSpec(OpCode.PACK, list(op.inputs), [op.outputs[0]], copy_list(op, parts, out, axis))


@register("UNPACK", outputs=(1, None), options=schema.UnpackOptionsT)
def unpack(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp = tensor(op, g, op.inputs[0])
    axis = axis_index(op, int(getattr(op.options, "axis", 0)), len(inp.shape))
    parts = _stacked(op, [tensor(op, g, o) for o in op.outputs], inp, axis)
    return OpSpec(OpCode.UNPACK, [op.inputs[0]], list(op.outputs), copy_list(op, parts, inp, axis))


@register("RESIZE_NEAREST_NEIGHBOR", inputs=2, options=schema.ResizeNearestNeighborOptionsT)
def resize_nearest_neighbor(op: Op, g: Graph, data: DataWriter) -> OpSpec:
    inp, out = _copy(op, g)
    size = const_ints(op, g.tensor(op.inputs[1]), "size")
    if len(inp.shape) != 4 or len(size) != 2:
        raise ModelError(f"{op.where()}: wanted a 4-D NHWC input and 2 sizes, got {list(inp.shape)} and {size}")
    b, h, w, c = inp.shape
    if tuple(out.shape) != (b, size[0], size[1], c):
        raise ModelError(f"{op.where()}: resizing {list(inp.shape)} to {size} does not give {list(out.shape)}")
    align = bool(getattr(op.options, "alignCorners", False))
    half = bool(getattr(op.options, "halfPixelCenters", False))
    maps = [nearest_neighbor_map(h, size[0], align, half), nearest_neighbor_map(w, size[1], align, half)]
    params = struct.pack("<6i", b, h, w, c, *size) + np.concatenate(maps).astype("<i4").tobytes()
    return OpSpec(OpCode.RESIZE_NEAREST_NEIGHBOR, [op.inputs[0]], [op.outputs[0]], params)
