"""`hil run`: put a model on a board (unless it is already there), run input rows, collect cycles."""

from __future__ import annotations

import statistics

import numpy as np

from hil.compile.compiler import CompiledModel
from hil.errors import ConfigError
from hil.compile.io import split_outputs
from hil.link import tensors
from hil.link.session import Session
from hil.link.upload import ensure_model
from hil.run.inputs import row_count


def run_rows(session: Session, model: CompiledModel, rows: list[np.ndarray], reference: bool = False,
             profile: bool = False) -> tuple[list[np.ndarray], dict]:  # fmt: skip
    """Run every row; returns (outputs per model output, figures). Inputs and outputs of any size: those
    over one frame travel in several (hil.link.tensors)."""
    out_bytes = sum(s.nbytes for s in model.outputs)
    if len(rows) != len(model.inputs):
        raise ConfigError(f"wanted one array of rows per model input ({len(model.inputs)}), got {len(rows)}")
    n = row_count(rows, "inputs")
    load = ensure_model(session, model.blob)
    raw = np.zeros((n, out_bytes), dtype=np.uint8)
    cycles = []
    for r in range(n):
        payload = b"".join(np.ascontiguousarray(x[r]).tobytes() for x in rows)
        c, out = tensors.invoke(session, payload, out_bytes, reference=reference)
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
