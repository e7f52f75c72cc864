"""Offline activation arena planning: TFLM's greedy-by-size first-fit.

Buffers are placed largest first, each at the lowest offset that does not
overlap any already placed buffer alive at the same time."""

from __future__ import annotations

from dataclasses import dataclass

ALIGN_BYTES = 8


@dataclass(frozen=True)
class Buffer:
    key: int
    size: int
    first_op: int  # op that writes it (-1: a model input, alive from the start)
    last_op: int  # last op that reads it (n_ops: a model output, alive to the end)


def _align(n: int) -> int:
    return (n + ALIGN_BYTES - 1) // ALIGN_BYTES * ALIGN_BYTES


def plan(buffers: list[Buffer]) -> tuple[dict[int, int], int]:
    """Returns ({key: offset}, arena bytes)."""
    placed: list[tuple[int, Buffer]] = []
    offsets: dict[int, int] = {}
    for buf in sorted(buffers, key=lambda b: (-b.size, b.first_op, b.key)):
        live = sorted(
            ((off, other) for off, other in placed if other.first_op <= buf.last_op and buf.first_op <= other.last_op),
            key=lambda pair: pair[0],
        )
        offset = 0
        for off, other in live:
            if offset + buf.size <= off:
                break
            offset = max(offset, _align(off + other.size))
        placed.append((offset, buf))
        offsets[buf.key] = offset
    return offsets, _align(max((off + b.size for off, b in placed), default=0))
