"""A gated model measured on a board: every held-out utterance streamed through the board's chain (its
enhanced audio scored, its instructions per frame and stage counted by the board), the same stream run in
the host mirror (bit-exact: hil.dsp.chain + hil.sim) to read each hop's gates, so every frame has its
channels kept per block, its MACs executed (counted from the gates) and its instructions (measured)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hil.dsp.chain import ChainStream
from hil.dyncp.gated import GatedModel
from hil.link.protocol import STREAM_STAGES
from hil.metrics import METRICS, scores
from hil.step.chain import StreamModel, stream_hops_of, stream_utterance

MODEL_STAGE = STREAM_STAGES.index("model")


@dataclass
class Measured:
    id: str
    counts: np.ndarray  # (hops, stages) board counter deltas
    kept: np.ndarray  # (hops, blocks) channels kept, from the mirror's gates
    macs: np.ndarray  # (hops,) MACs executed
    noisy: dict
    enhanced: dict


def mirror_gates(model: StreamModel, gm: GatedModel, pcm: np.ndarray) -> np.ndarray:
    """(hops, blocks) channels kept per hop of the stream of pcm, from the host mirror."""
    mirror = ChainStream(model.compiled, model.config)
    kept = []
    for hop in stream_hops_of(pcm, model.chain):
        mirror.step(hop)
        kept.append([int(mirror.last_outputs[i].astype(bool).sum()) for i in gm.gates])
    return np.array(kept, np.int64)


def measure_utterance(session, model: StreamModel, gm: GatedModel, audio) -> Measured:
    board = stream_utterance(session, model, audio.noisy)
    kept = mirror_gates(model, gm, audio.noisy)
    pruned = (np.asarray(gm.mids)[None, :] - kept) * np.asarray(gm.mac_per_channel)[None, :]
    noisy = scores(audio.clean, audio.noisy) if audio.clean is not None else {}
    enhanced = scores(audio.clean, board.enhanced) if audio.clean is not None else {}
    return Measured(audio.id, board.stage_counts.astype(np.int64), kept, gm.macs_open - pruned.sum(axis=1),
                    noisy, enhanced)  # fmt: skip


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
