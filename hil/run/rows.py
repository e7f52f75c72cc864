"""`hil run`: put a model on a board (unless it is already there), run input rows, collect cycles."""

from __future__ import annotations

import statistics

import numpy as np

from hil.compile.compiler import CompiledModel
from hil.errors import ConfigError
from hil.link.protocol import MAX_PAYLOAD
from hil.link.session import Session
from hil.compile.io import split_outputs
from hil.link.upload import ensure_model
from hil.run.inputs import row_count


def _check_frame_fits(model: CompiledModel) -> tuple[int, int]:
    in_bytes = sum(s.nbytes for s in model.inputs)
    out_bytes = sum(s.nbytes for s in model.outputs)
    if in_bytes + 1 > MAX_PAYLOAD or out_bytes + 4 > MAX_PAYLOAD:
        raise ConfigError(f"model inputs ({in_bytes:,} B) and outputs ({out_bytes:,} B) must each fit one "
                          f"{MAX_PAYLOAD:,}-byte frame with their header")  # fmt: skip
    return in_bytes, out_bytes


def run_rows(session: Session, model: CompiledModel, rows: list[np.ndarray], reference: bool = False,
             profile: bool = False) -> tuple[list[np.ndarray], dict]:  # fmt: skip
    """Run every row; returns (outputs per model output, figures)."""
    in_bytes, out_bytes = _check_frame_fits(model)
    if len(rows) != len(model.inputs):
        raise ConfigError(f"wanted one array of rows per model input ({len(model.inputs)}), got {len(rows)}")
    n = row_count(rows, "inputs")
    load = ensure_model(session, model.blob)
    raw = np.zeros((n, out_bytes), dtype=np.uint8)
    cycles = []
    for r in range(n):
        payload = b"".join(np.ascontiguousarray(x[r]).tobytes() for x in rows)
        c, out = session.invoke(payload, reference=reference, reply_bytes=out_bytes)
        raw[r] = np.frombuffer(out, dtype=np.uint8)
        cycles.append(c)
    outputs = split_outputs(raw, model.outputs)
    info = session.board_info
    figures = {
        "board": info.board_id,
        "counter": info.counter,
        "model_bytes": model.model_bytes,
        "arena_bytes": model.arena_bytes,
        **load,
        "inferences": n,
        "kernels": "reference" if reference else "optimized",
        "cycles": {"mean": statistics.fmean(cycles), "min": min(cycles), "max": max(cycles)},
        "macs": model.macs,
    }
    if profile:
        total, ops = session.profile()
        figures["ops"] = [{"index": o["index"], "op": m["op"], "cycles": o["cycles"], "macs": m["macs"]}
                          for o, m in zip(ops, model.ops)]  # fmt: skip
    return outputs, figures
