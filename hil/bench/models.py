"""Model benchmark: every gallery model (hil.bench.gallery) on a board, where it lives there.

Per model: MACs, counter ticks per inference (the mean over a few seeded random inputs), MACs per tick,
model and arena bytes, and its placement: `ram` (uploaded into the model region) or `flash` (written
into the board's flash slot first; the firmware stays). A model that fits neither says why and the
others still run. Correctness is the tests' job (tests/test_gallery.py compares with TFLM); this
prints figures."""

from __future__ import annotations

from typing import Iterable, Optional

import numpy as np

from hil.bench import gallery
from hil.boards import Board
from hil.compile.compiler import CompiledModel, compile_tflite
from hil.errors import BudgetError
from hil.link.slot import placement
from hil.run.rows import run_rows
from hil.targets import target_for
from hil.targets.limits import check_fits, model_limits

INFERENCES = 3


def random_rows(model: CompiledModel, n: int, seed: int) -> list[np.ndarray]:
    """n seeded rows per model input, spread over each input's integer range."""
    rng = np.random.default_rng(seed)
    rows = []
    for spec in model.inputs:
        info = np.iinfo(np.dtype(spec.dtype))
        rows.append(rng.integers(info.min, info.max + 1, (n, *spec.shape[1:]), dtype=np.int64).astype(spec.dtype))
    return rows


def _figures(name: str, model: CompiledModel, where: Optional[str]) -> dict:
    return {"model": name, "macs": model.macs, "model_bytes": model.model_bytes, "arena_bytes": model.arena_bytes,
            "placement": where}  # fmt: skip


def bench_one(board: Board, name: str, seed: int = 0, url: Optional[str] = None) -> dict:
    """One gallery model on the board: flashed first when it lives in flash, then run INFERENCES times."""
    model = compile_tflite(gallery.tflite(name, seed))
    limits = model_limits(board)
    where = placement(model.model_bytes, model.arena_bytes, limits.model_ram_bytes, limits.slot_bytes)
    row = _figures(name, model, where)
    try:
        check_fits(model.model_bytes, model.arena_bytes, limits)
    except BudgetError as exc:
        return row | {"fits": False, "why": str(exc)}
    target = target_for(board)
    if where == "flash":
        target.flash_model(model.blob)
    with target.session(url) as session:
        _, figures = run_rows(session, model, random_rows(model, INFERENCES, seed))
    count = figures["cycles"]["mean"]
    return row | {"fits": True, "count": count, "macs_per_count": round(model.macs / count, 4) if count else None,
                  "counter": figures["counter"], "board": figures["board"]}  # fmt: skip


def bench_models(board: Board, names: Optional[Iterable[str]] = None, seed: int = 0,
                 url: Optional[str] = None) -> dict:  # fmt: skip
    rows = [bench_one(board, name, seed, url) for name in (names or gallery.GALLERY)]
    counters = {r["counter"] for r in rows if r.get("counter")}
    return {"board": board.name, "counter": counters.pop() if len(counters) == 1 else sorted(counters),
            "seed": seed, "models": rows}  # fmt: skip
