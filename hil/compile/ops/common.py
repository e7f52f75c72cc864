"""What TFLM computes in Prepare, computed on the host with the same arithmetic."""

from __future__ import annotations

import numpy as np

from hil.compile.tflite import Graph, Op, Tensor
from hil.errors import ModelError
from hil.quant import QRANGE, quantize_multiplier, round_half_away

ACTIVATIONS = {0: None, 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6"}
QUANTIZED = ("int8", "int16")  # the activation types the runtime quantises


def activation_range(op: Op, activation: int, out: Tensor) -> tuple[int, int]:
    """CalculateActivationRangeQuantized: clamp bounds for a fused activation."""
    lo, hi = QRANGE[out.dtype]
    scale, zp = np.float32(out.scale[0]), int(out.zero_point[0])

    def q(f: float) -> int:
        return zp + int(round_half_away(np.float32(f) / scale))

    kind = ACTIVATIONS.get(activation, "unknown")
    if kind is None:
        return lo, hi
    if kind == "RELU":
        return max(lo, q(0.0)), hi
    if kind == "RELU6":
        return max(lo, q(0.0)), min(hi, q(6.0))
    if kind == "RELU_N1_TO_1":
        return max(lo, q(-1.0)), min(hi, q(1.0))
    raise ModelError(f"{op.where()}: fused activation {activation} is not supported")


def channel_multipliers(op: Op, inp: Tensor, weights: Tensor, out: Tensor, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel (multiplier, shift) for input_scale * weight_scale[c] / output_scale, in double precision."""
    w_scales = weights.scale if weights.scale.size == channels else np.repeat(weights.scale[:1], channels)
    if w_scales.size != channels:
        raise ModelError(f"{op.where()}: weights have {weights.scale.size} scales for {channels} channels")
    pairs = [quantize_multiplier(float(inp.scale[0]) * float(s) / float(out.scale[0])) for s in w_scales]
    return np.array([p[0] for p in pairs], dtype="<i4"), np.array([p[1] for p in pairs], dtype="<i4")


def need(op: Op, g: Graph, index: int, dtypes: tuple[str, ...], const: bool | None = None) -> Tensor:
    """Input/output tensor of op with one of dtypes (and constness); otherwise one clear ModelError."""
    t = g.tensor(index)
    if t is None:
        raise ModelError(f"{op.where()}: a required tensor is missing")
    if t.dtype not in dtypes:
        raise ModelError(f"{op.where()}: tensor {t.name!r} is {t.dtype}; the runtime takes {'/'.join(dtypes)} here")
    if const is not None and t.is_const != const:
        raise ModelError(f"{op.where()}: tensor {t.name!r} must be {'a constant' if const else 'computed'} here")
    if t.dtype in QUANTIZED and t.scale.size == 0:
        raise ModelError(f"{op.where()}: tensor {t.name!r} is {t.dtype} but not quantised")
    return t


def per_tensor(op: Op, t: Tensor) -> tuple[float, int]:
    if t.scale.size != 1:
        raise ModelError(f"{op.where()}: tensor {t.name!r} must be quantised per tensor")
    return float(t.scale[0]), int(t.zero_point[0])
