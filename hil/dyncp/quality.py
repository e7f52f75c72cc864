"""Held-out quality and cost of a gated model on Conv-FSENet's chain: PESQ-wb, STOI, SI-SDR of the float
model and of the int8 model (hil.sim, the board's C runtime), beside the noisy input, with the int8 run's
channel usage and MACs per frame (mean over every frame of the utterances)."""

from __future__ import annotations

import numpy as np

from hil.dsp.spec import FSENET, ChainSpec
from hil.step.gated import GatedModel, run_frames
from hil.metrics import METRICS, scores
from hil.sim import Simulator


def _mean(rows: list[dict]) -> dict:
    return {k: round(float(np.mean([r[k] for r in rows])), 4) for k in METRICS}


def evaluate(pairs, model: GatedModel, float_fn=None, chain: ChainSpec = FSENET) -> dict:
    """pairs: (clean, noisy) int16 signals. float_fn: (T, bins) features -> masks, or None."""
    sim = Simulator(model.blob)
    rows = {"noisy": [], "int8": [], **({"float": []} if float_fn else {})}
    kept, macs = [], []

    def int8_fn(feats):
        run = run_frames(model, feats, sim)
        kept.append(run.kept)
        macs.append(run.macs)
        return run.masks

    for clean, noisy in pairs:
        rows["noisy"].append(scores(clean, noisy))
        rows["int8"].append(scores(clean, chain.enhance(noisy, int8_fn)))
        if float_fn:
            rows["float"].append(scores(clean, chain.enhance(noisy, float_fn)))
    out = {"utterances": len(pairs), **{k: _mean(v) for k, v in rows.items()}}
    for k in [k for k in rows if k != "noisy"]:
        out[f"{k}_delta"] = {m: round(out[k][m] - out["noisy"][m], 4) for m in METRICS}
    k_all, m_all = np.concatenate(kept), np.concatenate(macs)
    out["usage"] = {"kept_per_block": [round(float(v), 2) for v in k_all.mean(axis=0)],
                    "ratio": round(float(k_all.sum(axis=1).mean() / sum(model.mids)), 4),
                    "macs_per_frame": round(float(m_all.mean()), 1), "macs_open": model.macs_open,
                    "frames": int(len(m_all))}  # fmt: skip
    return out
