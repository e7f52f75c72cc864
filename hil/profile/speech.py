"""`hil profile`: stream every utterance of an audio folder through a board's speech-enhancement chain,
write the enhanced audio, and report quality (PESQ-wb, STOI, SI-SDR) and cost (counter ticks per
frame per stage, real-time load, energy per frame).

Real-time load = ticks per frame / (clock_hz x hop in seconds), the hop of the model's chain
(hil.dsp.spec.ChainSpec: 10 ms for nsNet2's 160 samples, 16 ms for Conv-FSENet's 256), against the clock
of the board the figures stand for (the emulated NUCLEO stands for the real one's 180 MHz; its ticks are instructions
under icount, and the `counter` field says so). Energy per frame comes from the board's energy model
(`energy_source: "model"`) until a meter is attached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from hil.audio.layout import Pair
from hil.audio.wav import read_wav, write_wav
from hil.boards import Board
from hil.audio import SAMPLE_RATE
from hil.energy.model import energy_uj, frame_energy
from hil.errors import BudgetError, ConfigError
from hil.link.protocol import STREAM_STAGES
from hil.metrics import METRICS, scores

# stream(pcm int16) -> (enhanced int16 of the same length, per-hop stage counts (hops, len(STREAM_STAGES)))
Streamer = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass
class Utterance:
    id: str
    seconds: float
    hops: int
    counts: np.ndarray  # (hops, stages) ticks
    noisy: dict = field(default_factory=dict)  # metric -> value (empty without clean audio)
    enhanced: dict = field(default_factory=dict)

    def row(self) -> dict:
        total = self.counts.sum(axis=1)
        d = {"id": self.id, "seconds": round(self.seconds, 3), "hops": self.hops,
             "ticks_per_frame_mean": float(total.mean()), "ticks_per_frame_max": int(total.max())}  # fmt: skip
        for m in self.noisy:
            d[f"{m}_noisy"], d[f"{m}_enhanced"] = self.noisy[m], self.enhanced[m]
            d[f"{m}_delta"] = self.enhanced[m] - self.noisy[m]
        return d


@dataclass(frozen=True)
class Audio:
    id: str
    noisy: np.ndarray  # int16
    clean: Optional[np.ndarray]  # int16 of the same length, or None without clean audio


def read_pairs(pairs: list[Pair]) -> list[Audio]:
    """Every pair's audio, read and checked up front: a bad file ends the run before any board work."""
    out = []
    for p in pairs:
        noisy = read_wav(p.noisy_path)[0]
        clean = None if p.clean_path is None else read_wav(p.clean_path)[0]
        if clean is not None and len(clean) != len(noisy):
            raise ConfigError(f"{p.clean_path}: wanted the {len(noisy)} samples of {p.noisy_path}, got {len(clean)}")
        out.append(Audio(p.id, noisy, clean))
    return out


def profile_audio(stream: Streamer, audio: list[Audio], out_dir: Path,
                  progress: Optional[Callable[[str], None]] = None) -> list[Utterance]:  # fmt: skip
    """Stream each utterance's noisy audio; write out_dir/enhanced/<id>.wav; score against clean when present."""
    enhanced_dir = Path(out_dir) / "enhanced"
    enhanced_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for a in audio:
        out, counts = stream(a.noisy)
        write_wav(enhanced_dir / f"{a.id}.wav", out)
        u = Utterance(a.id, len(a.noisy) / SAMPLE_RATE, len(counts), np.asarray(counts, np.int64))
        if a.clean is not None:
            u.noisy, u.enhanced = scores(a.clean, a.noisy), scores(a.clean, out)
        results.append(u)
        if progress:
            progress(a.id)
    return results


def _stats(x: np.ndarray) -> dict:
    return {"mean": float(x.mean()), "p99": float(np.percentile(x, 99)), "max": int(x.max())}


def aggregate(utts: list[Utterance], board: Board, counter: str, hop: int) -> dict:
    """The figures over all utterances: ticks per frame (mean, p99, max) in total and per stage, real-time
    load against the board's clock for frames every `hop` samples, energy per frame, and the mean quality
    figures and their deltas."""
    if not utts:
        raise ConfigError("profile: wanted at least one utterance, got none")
    counts = np.concatenate([u.counts for u in utts])
    total = counts.sum(axis=1)
    frame = _stats(total)
    # the host build counts nanoseconds of host time; boards count cycles (or instructions) at clock_hz
    ticks_per_s = 1e9 if counter == "host-ns" else board.clock_hz
    hop_s = hop / SAMPLE_RATE
    cost = {
        "counter": counter,
        "frames": int(len(total)),
        "ticks_per_frame": frame,
        "stages": {s: _stats(counts[:, i]) for i, s in enumerate(STREAM_STAGES)},
        "clock_hz": board.clock_hz,
        "ticks_per_s": ticks_per_s,
        "hop_s": hop_s,
        "real_time_load": {k: frame[k] / (ticks_per_s * hop_s) for k in ("mean", "p99", "max")},
        "stage_load": {s: float(counts[:, i].mean()) / (ticks_per_s * hop_s) for i, s in enumerate(STREAM_STAGES)},
    }
    cost["energy"] = _energy(frame["mean"], board, counter, hop_s)
    out = {"utterances": len(utts), "seconds": round(sum(u.seconds for u in utts), 3), "cost": cost}
    scored = [u for u in utts if u.noisy]
    if scored:
        q = {}
        for m in METRICS:
            noisy = float(np.mean([u.noisy[m] for u in scored]))
            enh = float(np.mean([u.enhanced[m] for u in scored]))
            q[m] = {"noisy": noisy, "enhanced": enh, "delta": enh - noisy}
        out["quality"] = q
    else:
        out["quality"] = None
        out["note"] = "no clean/ folder: cost figures only"
    return out


def _energy(ticks: float, board: Board, counter: str, hop_s: float) -> dict:
    if board.energy is None or counter == "host-ns":
        return {"energy_source": None, "note": f"board '{board.name}' has no energy model"}
    try:
        e = frame_energy(round(ticks), hop_s, board, counter)
        return {"energy_per_frame_uj": e["total_uj"], "active_uj": e["active_uj"], "sleep_uj": e["sleep_uj"],
                "energy_source": e["energy_source"], "counter": counter, "real_time": True}  # fmt: skip
    except BudgetError:
        # slower than real time: the board never sleeps, every frame costs its whole active time
        uj = energy_uj(round(ticks), board)
        return {"energy_per_frame_uj": uj, "active_uj": uj, "sleep_uj": 0.0, "energy_source": "model",
                "counter": counter, "real_time": False}  # fmt: skip
