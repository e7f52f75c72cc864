"""Early exits in `hil profile`: a stream run to a fixed exit or under the confidence policy (hil.dsp.exits),
the exit histogram and the mean cost it measured, and the sweep of every exit and policy threshold (with
a baseline model) drawn as quality against the board's counted cost per frame.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import numpy as np

from hil.dsp.exits import ExitPolicy
from hil.errors import ConfigError
from hil.profile.speech import aggregate, profile_audio
from hil.report import COUNTER_UNITS
from hil.step.chain import StreamModel, stream_utterance

DEFAULT_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
MODEL_STAGE = 2  # column of the model stage in a stream's stage counts


def policy_of(exit_index: Optional[int], threshold: Optional[float]) -> Optional[ExitPolicy]:
    """The policy the options ask for: --exit K, --threshold T (the confidence rule), or none."""
    if exit_index is not None and threshold is not None:
        raise ConfigError("--exit and --threshold: wanted one (a fixed exit, or the confidence policy), got both")
    if exit_index is not None:
        return ExitPolicy("fixed", exit_index)
    if threshold is not None:
        return ExitPolicy("confidence", threshold=threshold)
    return None


def parse_thresholds(text: str) -> tuple[float, ...]:
    """'0.3,0.5' -> (0.3, 0.5), each in [0, 1]; one clear line otherwise."""
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ConfigError(f"--thresholds: wanted comma-separated numbers in [0, 1], got '{text}'") from None
    if not values:
        raise ConfigError(f"--thresholds: wanted at least one threshold in [0, 1], got '{text}'")
    for v in values:
        ExitPolicy("confidence", threshold=v).check(1)
    return values


def exits_summary(taken: list[np.ndarray], counts: np.ndarray, n_exits: int) -> dict:
    """The exits the frames took: histogram, fractions, and the model stage's mean ticks per exit taken."""
    flat = np.concatenate(taken).astype(np.int64)
    hist = np.bincount(flat, minlength=n_exits)
    model = counts[:, MODEL_STAGE].astype(np.float64)
    return {"histogram": hist.tolist(), "fraction": (hist / max(1, len(flat))).round(4).tolist(),
            "mean_exit": float(flat.mean()),
            "model_ticks_per_exit": [float(model[flat == k].mean()) if hist[k] else None for k in range(n_exits)],
            "model_ticks_per_frame_mean": float(model.mean())}  # fmt: skip


def profile_stream(session, model: StreamModel, audio, out_dir: Path, board,
                   progress: Optional[Callable[[str], None]] = None) -> dict:  # fmt: skip
    """Stream every utterance on the board under the model's policy; the aggregate figures, with `exits`
    (exits_summary) for a stream with an exit policy."""
    taken = []

    def stream(pcm):
        r = stream_utterance(session, model, pcm)
        if r.exits is not None:
            taken.append(r.exits)
        return r.enhanced, r.stage_counts

    utts = profile_audio(stream, audio, out_dir, progress)
    counter = session.board_info.counter if session.board_info else "unknown"
    report = aggregate(utts, board, counter, model.chain.hop)
    if taken:
        report["exits"] = exits_summary(taken, np.concatenate([u.counts for u in utts]), model.n_exits)
    return report


def sweep_policies(n_exits: int, thresholds) -> list[ExitPolicy]:
    return [ExitPolicy("fixed", k) for k in range(n_exits)] + [ExitPolicy("confidence", threshold=t)
                                                                for t in thresholds]  # fmt: skip


def sweep_row(label: str, report: dict) -> dict:
    """One point of the sweep: cost (total and model stage per frame, load) and quality gains."""
    cost, q = report["cost"], report.get("quality") or {}
    row = {"config": label, "counter": cost["counter"], "ticks_per_frame": cost["ticks_per_frame"]["mean"],
           "model_ticks_per_frame": cost["stages"]["model"]["mean"], "real_time_load": cost["real_time_load"]["mean"],
           **{f"{m}_delta": v["delta"] for m, v in q.items()}, **{m: v["enhanced"] for m, v in q.items()}}  # fmt: skip
    if "exits" in report:
        row["exit_histogram"] = report["exits"]["histogram"]
    return row


def plot_sweep(path: Path, rows: list[dict], model: str, board: str, clock_hz: int, hop_s: float) -> None:
    """PESQ-wb gain against ticks per frame: every fixed exit, the policy's thresholds, the baseline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counter = rows[0]["counter"]
    fig, ax = plt.subplots(figsize=(7, 4.4), dpi=110)
    groups = {"exit": ("o", "fixed exit"), "confidence": ("s", "confidence policy")}
    for key, (marker, label) in groups.items():
        pts = [r for r in rows if r["config"].startswith(key)]
        if pts:
            ax.plot([r["ticks_per_frame"] for r in pts], [r.get("pesq_wb_delta", 0.0) for r in pts], marker=marker,
                    label=f"{model}: {label}")  # fmt: skip
            for r in pts:
                ax.annotate(r["config"].split(" ")[-1], (r["ticks_per_frame"], r.get("pesq_wb_delta", 0.0)),
                            fontsize=7, xytext=(3, 3), textcoords="offset points")  # fmt: skip
    for r in (r for r in rows if not r["config"].startswith(tuple(groups))):
        ax.scatter([r["ticks_per_frame"]], [r.get("pesq_wb_delta", 0.0)], marker="*", s=160, color="tab:red",
                   label=r["config"], zorder=3)  # fmt: skip
    unit = COUNTER_UNITS.get(counter, "ticks")
    ax.set_xlabel(f"{unit} per frame, whole chain ({counter})")
    ax.set_ylabel("PESQ-wb gain (enhanced − noisy)")
    ax.set_title(f"{model} on {board}: early exits, quality against cost")
    per_hop = clock_hz * hop_s
    if counter != "host-ns":
        sec = ax.secondary_xaxis("top", functions=(lambda c: c / per_hop * 100, lambda p: p / 100 * per_hop))
        sec.set_xlabel(f"real-time load at {clock_hz / 1e6:g} MHz (%), {hop_s * 1000:g} ms hop")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
