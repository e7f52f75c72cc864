"""Host-side input quantisation and output decoding for `hil run`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hil.compile.compiler import IoSpec
from hil.compile.ops.common import round_half_away
from hil.errors import ConfigError

_RANGES = {"int8": (-128, 127), "int16": (-32768, 32767), "uint8": (0, 255)}


def quantize_rows(x: np.ndarray, spec: IoSpec, label: str) -> np.ndarray:
    """Rows for one model input: floats are quantised with its scale and zero point
    (as TFLite's QUANTIZE: round half away from zero), integers must already be of its type."""
    size = int(np.prod(spec.shape))
    x = np.asarray(x)
    if x.size == size:
        x = x.reshape(1, size)
    if x.ndim < 2 or int(np.prod(x.shape[1:])) != size:
        raise ConfigError(f"{label}: wanted rows of {size} values (input shape {spec.shape}), got array shape {x.shape}")
    rows = x.reshape(x.shape[0], size)
    if spec.dtype == "float32":
        return rows.astype(np.float32)
    lo, hi = _RANGES[spec.dtype]
    if rows.dtype.kind == "f":
        if spec.scale == 0:
            raise ConfigError(f"{label}: model input {spec.name!r} is not quantised; pass {spec.dtype} values")
        q = round_half_away(rows.astype(np.float32) / np.float32(spec.scale))
        return np.clip(q + spec.zero_point, lo, hi).astype(spec.dtype)
    if rows.dtype.kind not in "iu" or rows.min() < lo or rows.max() > hi:
        raise ConfigError(f"{label}: wanted floats or {spec.dtype} values in [{lo}, {hi}], got {rows.dtype} "
                          f"in [{rows.min()}, {rows.max()}]")  # fmt: skip
    return rows.astype(spec.dtype)


def load_inputs(path: Path, specs: list[IoSpec]) -> list[np.ndarray]:
    """X.npy for a one-input model; X.npz with one array per input (by name or input_<i>) otherwise."""
    try:
        data = np.load(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read inputs {path}: {exc}") from None
    if isinstance(data, np.ndarray):
        if len(specs) != 1:
            raise ConfigError(f"{path}: the model has {len(specs)} inputs; pass an .npz with one array per input")
        arrays = [data]
    else:
        arrays = []
        for i, spec in enumerate(specs):
            key = spec.name if spec.name in data else f"input_{i}"
            if key not in data:
                raise ConfigError(f"{path}: wanted an array named {spec.name!r} or 'input_{i}', got {sorted(data)}")
            arrays.append(data[key])
    rows = [quantize_rows(a, s, str(path)) for a, s in zip(arrays, specs)]
    if len({r.shape[0] for r in rows}) != 1:
        raise ConfigError(f"{path}: inputs have different row counts {[r.shape[0] for r in rows]}")
    return rows


def dequantize(q: np.ndarray, spec: IoSpec) -> np.ndarray:
    if spec.dtype == "float32" or spec.scale == 0:
        return q.astype(np.float32)
    return ((q.astype(np.float32) - spec.zero_point) * np.float32(spec.scale)).astype(np.float32)


def split_outputs(raw: np.ndarray, specs) -> list[np.ndarray]:
    """Rows of concatenated output bytes (N, total) -> one (N, *shape) array per output spec
    (anything with dtype, shape and nbytes: IoSpec or a blob's TensorRecord)."""
    outs, pos = [], 0
    for spec in specs:
        outs.append(raw[:, pos : pos + spec.nbytes].copy().view(spec.dtype).reshape((raw.shape[0], *spec.shape)))
        pos += spec.nbytes
    return outs
