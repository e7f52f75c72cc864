"""`hil dyncp report`: each model of a DynCP family (the static one first) flashed into an emulated or real
board's slot and measured over held-out audio (hil.dyncp.measure), then the table per target ratio: usage,
MACs saved and instructions saved (separately: the gate heads and the bookkeeping are not free), real-time
load, PESQ-wb / STOI / SI-SDR and their change against the static model, beside the paper's figures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from hil.compile.compiler import compile_tflite
from hil.dsp.identity import chain_of
from hil.step.gated import gated_model
from hil.dyncp.measure import Measured, measure_utterance, summary
from hil.errors import ConfigError
from hil.metrics import METRICS
from hil.step.chain import StreamModel

PAPER = {"source": "Miccini et al., ICASSP 2025 (arXiv 2412.17121), VoiceBank+DEMAND, counted on paper",
         "target_usage": 0.25, "macs_saved": 0.296, "pesq_change": -0.0075}  # fmt: skip


def measure_model(target, name: str, tflite: bytes, audio: list, clock_hz: float) -> tuple[dict, list[Measured]]:
    """Flash the model into the target's slot, stream every utterance on a fresh board session."""
    gm = gated_model(tflite, name)
    model = StreamModel.from_tflite(tflite, name=name)
    target.flash_model(compile_tflite(tflite).blob)
    with target.session() as session:
        counter = session.board_info.counter if session.board_info else "unknown"
        rows = [measure_utterance(session, model, gm, a) for a in audio]
    chain = chain_of(tflite, name)
    return {"model": name, **summary(rows, gm, clock_hz, chain.hop / 16000.0, counter)}, rows


def _saved(static: float, value: float) -> float:
    return round(1.0 - value / static, 4)


def table_rows(results: list[dict]) -> list[dict]:
    """Per model: usage, MACs and instructions per frame and what each saves against the first (static)
    model, load, quality and its change (relative for PESQ-wb, absolute for STOI and SI-SDR)."""
    base = results[0]
    rows = []
    for r in results:
        row = {"model": r["model"], "usage": round(r["usage"], 4), "macs_per_frame": round(r["macs_per_frame"]),
               "macs_saved": _saved(base["macs_per_frame"], r["macs_per_frame"]),
               "model_instructions_per_frame": round(r["model_instructions_per_frame"]),
               "instructions_saved_model": _saved(base["model_instructions_per_frame"],
                                                  r["model_instructions_per_frame"]),
               "instructions_saved_total": _saved(base["instructions_per_frame"], r["instructions_per_frame"]),
               "realtime_load": round(r["realtime_load"], 4)}  # fmt: skip
        for m in METRICS if "enhanced" in r else ():
            row[m] = round(r["enhanced"][m], 4)
            row[f"{m}_delta_noisy"] = round(r["enhanced"][m] - r["noisy"][m], 4)
            change = r["enhanced"][m] - base["enhanced"][m]
            row[f"{m}_change"] = round(change / base["enhanced"][m] if m == "pesq_wb" else change, 4)
        rows.append(row)
    return rows


def per_frame_plot(path: Path, audio, measured: Measured, chain, label: str, counter: str) -> None:
    """Channel usage per frame (all blocks, and each) under the noisy input's spectrogram, with the model's
    instructions per frame (measured by the board's counter)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spec = np.abs(chain.stft(audio.noisy.astype(np.float64) / 32768.0))
    fig, ax = plt.subplots(3, 1, figsize=(10, 7), sharex=True, gridspec_kw={"height_ratios": [2, 1.2, 1]})
    ax[0].imshow(20 * np.log10(spec.T + 1e-6), origin="lower", aspect="auto", cmap="magma",
                 extent=(0, spec.shape[0], 0, 8000))  # fmt: skip
    ax[0].set_ylabel("Hz")
    ax[0].set_title(f"{label}: {audio.id}, noisy input")
    ax[1].plot(measured.kept.sum(axis=1), color="k", lw=1.2, label="all blocks")
    for b in range(measured.kept.shape[1]):
        ax[1].plot(measured.kept[:, b], lw=0.6, alpha=0.6, label=f"block {b}")
    ax[1].set_ylabel("channels kept")
    ax[1].legend(fontsize=6, ncol=4)
    ax[2].plot(measured.counts[:, 2], color="tab:blue", lw=1)
    ax[2].set_ylabel(f"model {counter}")
    ax[2].set_xlabel("frame (16 ms hop)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(out: Path, report: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "dyncp.json").write_text(json.dumps(report, indent=2) + "\n")


def check_models(models: list[str]) -> None:
    if len(models) < 2:
        raise ConfigError(f"hil dyncp report: wanted the static model then gated ones, got {models}")
