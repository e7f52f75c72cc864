"""A compiled model's inputs and outputs as the host sees them, and the bytes that carry them.

A board (and the simulator) takes one invocation's inputs as their bytes concatenated in input order
and answers with the outputs' bytes concatenated in output order; `join_inputs` and `split_outputs`
convert between those rows of bytes and one array per tensor."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class IoSpec:
    name: str
    dtype: str
    shape: tuple[int, ...]
    scale: float
    zero_point: int
    signature_name: str = ""  # the name the .tflite's SignatureDef gives it (what a user writes); "" if none

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * np.dtype(self.dtype).itemsize


def split_outputs(raw: np.ndarray, specs) -> list[np.ndarray]:
    """Rows of concatenated output bytes (N, total) -> one (N, *shape) array per output spec
    (anything with dtype, shape and nbytes: IoSpec or a blob's TensorRecord)."""
    outs, pos = [], 0
    for spec in specs:
        outs.append(raw[:, pos : pos + spec.nbytes].copy().view(spec.dtype).reshape((raw.shape[0], *spec.shape)))
        pos += spec.nbytes
    return outs


def join_inputs(arrays, specs) -> np.ndarray:
    """One (N, *shape) array per input spec -> rows of their bytes concatenated (N, total) uint8."""
    n = arrays[0].shape[0]
    return np.concatenate([np.ascontiguousarray(x, dtype=t.dtype).reshape(n, -1).view(np.uint8)
                           for x, t in zip(arrays, specs)], axis=1)  # fmt: skip
