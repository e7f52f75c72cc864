"""The nightly report: report.json and one static HTML page (no scripts, no external files: the trend plots
are PNGs inside it), regressions first, then the trend of every metric and the run's tables."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

from hil.nightly.history import History

_STYLE = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
          "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}.regression{background:#fdd}"
          ".plots{display:flex;flex-wrap:wrap}.plots figure{margin:4px}figcaption{font-size:80%}")  # fmt: skip
COMPARE_COLUMNS = ["verdict", "job", "model", "board", "serial", "metric", "before", "value", "change", "rule"]
CELL_COLUMNS = ["cell", "status", "seconds", "detail"]


def _table(rows: list[dict], columns: list[str], caption: str, mark: str = "") -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for r in rows:
        cls = ' class="regression"' if mark and r.get("verdict") == mark else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(_fmt(r.get(c)))}</td>" for c in columns) + "</tr>")
    return f"<table><caption>{html.escape(caption)}</caption><tr>{head}</tr>{''.join(body)}</table>"


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.6g}"
    return str(value)


def _plot(points: list[dict], title: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(3.6, 2.2), dpi=80)
    ax.plot(range(len(points)), [p["value"] for p in points], marker="o")
    ax.set_xticks(range(len(points)), [p["run_id"][-8:] for p in points], rotation=30, fontsize=6)
    ax.set_title(title, fontsize=7)
    ax.tick_params(axis="y", labelsize=6)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _plots(history: History, figures: list[dict]) -> str:
    out = []
    for f in figures:
        title = f"{f['job']} {f['model'] or ''} {f['board']}: {f['metric']}"
        png = _plot(history.series(f), title)
        out.append(f'<figure><img alt="{html.escape(title)}" src="data:image/png;base64,{png}">'
                   f"<figcaption>{html.escape(title)}</figcaption></figure>")  # fmt: skip
    return f'<div class="plots">{"".join(out)}</div>'


def write_report(out: Path, history: History, run_id: str, comparison: list[dict]) -> dict:
    run, cells, figures = history.run(run_id), history.cells(run_id), history.figures(run_id)
    regressions = [r for r in comparison if r["verdict"] == "regression"]
    report = {"run": run, "regressions": regressions, "cells": cells, "comparison": comparison, "figures": figures}
    (out / "report.json").write_text(json.dumps(report, indent=2))
    title = f"hil nightly {run_id}: {len(regressions)} regression(s), status {run['status']}"
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>",
             f"<p>commit {html.escape(str(run['git_commit']))}</p>", "<h2>Regressions</h2>",
             _table(regressions, COMPARE_COLUMNS, "figures worse than the history allows", "regression")
             if regressions else "<p>none</p>",
             "<h2>Trends</h2>", _plots(history, figures), "<h2>This run</h2>",
             _table(cells, CELL_COLUMNS, "cells"),
             _table(comparison, COMPARE_COLUMNS, "every figure against the latest earlier run", "regression"),
             "</body></html>"]  # fmt: skip
    (out / "report.html").write_text("\n".join(parts))
    return report
