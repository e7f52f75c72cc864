"""A gated model measured on a board: every held-out utterance streamed through the board's chain (its
enhanced audio scored, its instructions per frame and stage counted by the board), the same stream run in
the host mirror (bit-exact: hil.dsp.chain + hil.sim) to read each hop's gates, so every frame has its
channels kept per block, its MACs executed (counted from the gates) and its instructions (measured)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hil.step.gated import GatedModel, macs_of, mirror_gates
from hil.link.protocol import STREAM_STAGES
from hil.metrics import METRICS, scores
from hil.step.chain import StreamModel, stream_utterance

MODEL_STAGE = STREAM_STAGES.index("model")


@dataclass
class Measured:
    id: str
    counts: np.ndarray  # (hops, stages) board counter deltas
    kept: np.ndarray  # (hops, blocks) channels kept, from the mirror's gates
    macs: np.ndarray  # (hops,) MACs executed
    noisy: dict
    enhanced: dict


def measure_utterance(session, model: StreamModel, gm: GatedModel, audio) -> Measured:
    board = stream_utterance(session, model, audio.noisy)
    kept = mirror_gates(model, gm, audio.noisy)
    noisy = scores(audio.clean, audio.noisy) if audio.clean is not None else {}
    enhanced = scores(audio.clean, board.enhanced) if audio.clean is not None else {}
    return Measured(audio.id, board.stage_counts.astype(np.int64), kept, macs_of(gm, kept), noisy, enhanced)


def summary(rows: list[Measured], gm: GatedModel, clock_hz: float, hop_s: float, counter: str) -> dict:
    """Means over every frame of every utterance (and quality over utterances)."""
    counts = np.concatenate([r.counts for r in rows])
    kept, macs = np.concatenate([r.kept for r in rows]), np.concatenate([r.macs for r in rows])
    total = counts.sum(axis=1)
    out = {"utterances": len(rows), "frames": int(len(total)), "counter": counter,
           "instructions_per_frame": float(total.mean()), "model_instructions_per_frame":
           float(counts[:, MODEL_STAGE].mean()), "model_instructions_max": int(counts[:, MODEL_STAGE].max()),
           "chain_instructions_per_frame": float(total.mean() - counts[:, MODEL_STAGE].mean()),
           "realtime_load": float(total.mean() / (clock_hz * hop_s)),
           "realtime_load_max": float(total.max() / (clock_hz * hop_s)),
           "macs_per_frame": float(macs.mean()), "macs_all_open": gm.macs_open,
           "kept_per_block": [round(float(v), 2) for v in kept.mean(axis=0)],
           "usage": float(kept.sum(axis=1).mean() / sum(gm.mids)),
           "usage_frame_std": float((kept.sum(axis=1) / sum(gm.mids)).std())}  # fmt: skip
    for key in ("noisy", "enhanced"):
        if rows and rows[0].noisy:
            out[key] = {m: float(np.mean([getattr(r, key)[m] for r in rows])) for m in METRICS}
    return out
