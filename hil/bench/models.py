"""Model benchmark: every gallery model (hil.bench.gallery) on a board, where it lives there.

Per model: MACs, counter ticks per inference (the mean over a few seeded random inputs), MACs per tick,
model and arena bytes, and its placement: `ram` (uploaded into the model region) or `flash` (written
into the board's flash slot first; the firmware stays; a board reached by --url or --farm is not
flashed, so there a flash model runs only if the slot already holds it). A model that fits neither
says why and the others still run. Correctness is the tests' job (tests/test_gallery.py compares with TFLM); this
prints figures."""

from __future__ import annotations

from typing import Callable, Iterable, Optional

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


def bench_one(board: Board, name: str, seed: int = 0, open_session: Optional[Callable] = None) -> dict:
    """One gallery model on the board: flashed first when it lives in flash, then run INFERENCES times.
    open_session() -> a session context (a --url or --farm board, which is not flashed); default the
    board's own link."""
    model = compile_tflite(gallery.tflite(name, seed))
    limits = model_limits(board)
    where = placement(model.model_bytes, model.arena_bytes, limits.model_ram_bytes, limits.slot_bytes)
    row = _figures(name, model, where)
    try:
        check_fits(model.model_bytes, model.arena_bytes, limits)
    except BudgetError as exc:
        return row | {"fits": False, "why": str(exc)}
    target = target_for(board)
    if where == "flash" and open_session is None:
        target.flash_model(model.blob)
    try:
        with (open_session or target.session)() as session:
            _, figures = run_rows(session, model, random_rows(model, INFERENCES, seed))
    except BudgetError as exc:  # a board given by --url runs a flash model only if its slot already holds it
        return row | {"fits": False, "why": str(exc)}
    count = figures["cycles"]["mean"]
    return row | {"fits": True, "count": count, "macs_per_count": round(model.macs / count, 4) if count else None,
                  "counter": figures["counter"], "board": figures["board"]}  # fmt: skip


def bench_models(board: Board, names: Optional[Iterable[str]] = None, seed: int = 0,
                 open_session: Optional[Callable] = None) -> dict:  # fmt: skip
    rows = [bench_one(board, name, seed, open_session) for name in (names or gallery.GALLERY)]
    counters = {r["counter"] for r in rows if r.get("counter")}
    return {"board": board.name, "counter": counters.pop() if len(counters) == 1 else sorted(counters),
            "seed": seed, "models": rows}  # fmt: skip
