"""A run against the history: each figure against the same series' value in the latest earlier run.

Exact for what must not move at all (an emulator's instruction counts, sizes): any change in the worse
direction is a regression. Thresholds (the matrix's) for quality, energy and timing: a relative change
in the worse direction larger than the threshold is a regression. `info` figures never are."""

from __future__ import annotations

from hil.nightly.history import History
from hil.nightly.matrix import Thresholds

EXACT_COUNTERS = ("tim2-icount", "rv-icount")  # instructions under QEMU's -icount: identical run to run


def rule(figure: dict) -> str:
    """exact, quality, energy, timing or info."""
    if figure["kind"] == "size" or (figure["kind"] == "count" and figure["counter"] in EXACT_COUNTERS):
        return "exact"
    return "timing" if figure["kind"] == "count" else figure["kind"]


def verdict(figure: dict, before: float, thresholds: Thresholds) -> tuple[str, float]:
    """(same | better | worse-within | regression, relative change in the worse direction)."""
    value, how = figure["value"], rule(figure)
    worse = (value - before) if figure["better"] == "lower" else (before - value)
    relative = worse / abs(before) if before else (0.0 if worse == 0 else float("inf"))
    if value == before:
        return "same", 0.0
    if worse < 0:
        return "better", relative
    if how == "info":
        return "worse-within", relative
    limit = 0.0 if how == "exact" else getattr(thresholds, how)
    return ("regression" if relative > limit else "worse-within"), relative


def compare(history: History, run_id: str, thresholds: Thresholds) -> list[dict]:
    rows = []
    for f in history.figures(run_id):
        earlier = [p for p in history.series(f) if p["run_id"] != run_id and p["started"] < history.run(run_id)["started"]]
        row = {k: f[k] for k in ("cell", "job", "model", "board", "serial", "metric", "value", "unit", "counter")}
        row["rule"] = rule(f)
        if not earlier:
            rows.append({**row, "before": None, "verdict": "new", "change": None})
            continue
        before = earlier[-1]
        result, change = verdict(f, before["value"], thresholds)
        rows.append({**row, "before": before["value"], "before_run": before["run_id"], "verdict": result,
                     "change": round(change, 6)})  # fmt: skip
    return rows
