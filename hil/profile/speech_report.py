"""The profile's terminal tables and its quality-against-cost plot."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from hil.dsp.spec import ChainSpec
from hil.metrics import METRICS
from hil.link.protocol import STREAM_STAGES
from hil.profile.speech import Utterance
from hil.report import COUNTER_UNITS


def _unit(counter: str) -> str:
    return COUNTER_UNITS.get(counter, "ticks")


def utterance_table(utts: list[Utterance], counter: str) -> Table:
    t = Table(title="hil profile: per utterance")
    t.add_column("id")
    t.add_column("s", justify="right")
    for m in METRICS:
        t.add_column(f"{m} noisy→enh", justify="right")
    t.add_column(f"{_unit(counter)}/frame", justify="right")
    for u in utts:
        q = [f"{u.noisy[m]:.2f}→{u.enhanced[m]:.2f}" if u.noisy else "-" for m in METRICS]
        t.add_row(u.id, f"{u.seconds:.2f}", *q, f"{u.counts.sum(axis=1).mean():,.0f}")
    return t


def summary_table(report: dict) -> Table:
    cost, unit = report["cost"], _unit(report["cost"]["counter"])
    t = Table(title=f"hil profile: {report['model']} on {report['board']} ({report['utterances']} utterances, "
                    f"{report['seconds']:.1f} s of audio)")  # fmt: skip
    t.add_column("figure", style="bold")
    t.add_column("value", justify="right")
    q = report.get("quality")
    for m in METRICS if q else ():
        t.add_row(m, f"{q[m]['noisy']:.3f} → {q[m]['enhanced']:.3f} ({q[m]['delta']:+.3f})")
    f = cost["ticks_per_frame"]
    t.add_row(f"{unit}/frame (mean / p99 / max)", f"{f['mean']:,.0f} / {f['p99']:,.0f} / {f['max']:,}")
    for s in STREAM_STAGES:
        st = cost["stages"][s]
        t.add_row(f"  {s}", f"{st['mean']:,.0f} / {st['p99']:,.0f} / {st['max']:,} "
                            f"(load {cost['stage_load'][s]:.2%})")  # fmt: skip
    load = cost["real_time_load"]
    at = "on the host" if cost["counter"] == "host-ns" else f"at {cost['clock_hz'] / 1e6:g} MHz"
    t.add_row(f"real-time load {at}", f"{load['mean']:.2%} mean, {load['max']:.2%} max")
    e = cost["energy"]
    if e.get("energy_source"):
        t.add_row("energy per frame", f"{e['energy_per_frame_uj']:.2f} µJ ({e['energy_source']}, {e['counter']})")
    d = report.get("dyncp")
    if d:  # a gated model: what its gates left per frame
        t.add_row("channels kept per block (mean)", " / ".join(f"{v:.1f}" for v in d["kept_per_block_mean"])
                  + f" of {d['channels_per_block'][0]}")  # fmt: skip
        t.add_row("usage (mean, min, max)", f"{d['usage_mean']:.1%}, {d['usage_min']:.1%}, {d['usage_max']:.1%}")
        t.add_row("MACs/frame counted (mean / all open)", f"{d['macs_per_frame_mean']:,.0f} / {d['macs_all_open']:,}")
    t.add_row("model_bytes / arena_bytes", f"{report['model_bytes']:,} / {report['arena_bytes']:,}")
    t.add_row("chain (fft/hop window feature)", ChainSpec(**report["chain"]).label())
    t.add_row("counter", cost["counter"])
    return t


def plot(path: Path, utts: list[Utterance], report: dict) -> None:
    """Per utterance: PESQ-wb gain (or SI-SDR without PESQ) against ticks per frame; the mean marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scored = [u for u in utts if u.noisy]
    fig, ax = plt.subplots(figsize=(6.5, 4.2), dpi=110)
    x = [u.counts.sum(axis=1).mean() for u in (scored or utts)]
    if scored:
        y = [u.enhanced["pesq_wb"] - u.noisy["pesq_wb"] for u in scored]
        ax.set_ylabel("PESQ-wb gain (enhanced − noisy)")
        ax.axhline(0, color="grey", lw=0.8)
    else:
        y = [0.0] * len(x)
        ax.set_ylabel("(no clean audio: cost only)")
    ax.scatter(x, y, s=18, label="utterances")
    ax.scatter([sum(x) / len(x)], [sum(y) / len(y)], marker="*", s=200, color="tab:red", label="mean")
    cost = report["cost"]
    ax.set_xlabel(f"{_unit(cost['counter'])} per frame ({cost['counter']})")
    ax.set_title(f"{report['model']} on {report['board']}: quality against cost")
    per_hop = cost["ticks_per_s"] * cost["hop_s"]
    sec = ax.secondary_xaxis("top", functions=(lambda c: c / per_hop * 100, lambda p: p / 100 * per_hop))
    sec.set_xlabel("real-time load (%)" if cost["counter"] == "host-ns" else
                   f"real-time load at {cost['clock_hz'] / 1e6:g} MHz (%)")  # fmt: skip
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def sweep_table(sweep: dict, clock_hz: int) -> Table:
    """--sweep-exits: one row per exit, policy threshold and baseline."""
    rows = sweep["rows"]
    unit = _unit(rows[0]["counter"])
    t = Table(title=f"hil profile --sweep-exits: {sweep['model']} on {sweep['board']} ({sweep['utterances']} "
                    f"utterances, {rows[0]['counter']})")  # fmt: skip
    for col in ("config", f"{unit}/frame", f"model {unit}/frame", f"load @{clock_hz / 1e6:g} MHz",
                *(f"Δ{m}" for m in METRICS), "exits taken"):  # fmt: skip
        t.add_column(col, justify="left" if col == "config" else "right")
    for r in rows:
        q = [f"{r[f'{m}_delta']:+.3f}" if f"{m}_delta" in r else "-" for m in METRICS]
        t.add_row(r["config"], f"{r['ticks_per_frame']:,.0f}", f"{r['model_ticks_per_frame']:,.0f}",
                  f"{r['real_time_load']:.1%}", *q, str(r.get("exit_histogram", "-")))  # fmt: skip
    return t
