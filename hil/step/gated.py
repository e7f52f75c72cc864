"""A gated model (DynCP's HIL_GATED_CONV blocks) as its int8 TFLite names them, and a run of it frame by
frame: masks, gates per block and the MACs each frame executed (the blocks' counted from their gates, every
other op's in full); the gates of each hop of a stream, read from the host mirror (bit-exact with a board)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hil.compile.compiler import compile_tflite
from hil.compile.tflite import read_tflite
from hil.errors import ConfigError
from hil.gconv import options
from hil.quant import dequantize, quantize
from hil.sim import Simulator


@dataclass(frozen=True)
class GatedModel:
    tflite: bytes
    blob: bytes
    features: object  # IoSpec of the feature input
    mask: int  # output positions
    gates: tuple[int, ...]  # per block, in block order
    mids: tuple[int, ...]  # gated channels per block
    mac_per_channel: tuple[int, ...]  # 2 C + K per block
    macs_open: int  # every channel kept (the compiled model's count)
    macs_static_gate: int  # of which the gate heads

    @property
    def blocks(self) -> int:
        return len(self.gates)


def gated_model(tflite: bytes, label: str = "model") -> GatedModel:
    """The gated model of int8 TFLite bytes; ConfigError when it has no HIL_GATED_CONV block."""
    g = read_tflite(tflite)
    cm = compile_tflite(tflite)
    names = [o.name for o in cm.outputs]
    blocks = [op for op in g.ops if op.name == options.CUSTOM_CODE]
    if not blocks:
        raise ConfigError(f"{label}: wanted a gated model (HIL_GATED_CONV blocks), got none")
    gates, mids, per, gate_macs = [], [], [], 0
    for k, op in enumerate(blocks):
        gname = g.tensors[op.outputs[1]].name
        if gname not in names:
            raise ConfigError(f"{label}: gate of block {k} ({gname!r}) is not a model output; wanted it listed")
        opts = options.decode(op.custom_options)
        c, m = int(np.prod(g.tensors[op.inputs[0]].shape)), int(np.prod(g.tensors[op.outputs[1]].shape))
        r = g.tensors[op.inputs[2]].shape[0]
        gates.append(names.index(gname))
        mids.append(m)
        per.append(2 * c + int(opts["kernel"]))
        gate_macs += 0 if opts["open"] else r * c + m * r
    mask = next(i for i, n in enumerate(names) if not n.startswith("gates_"))
    return GatedModel(tflite, cm.blob, cm.inputs[0], mask, tuple(gates), tuple(mids), tuple(per), cm.macs, gate_macs)


@dataclass(frozen=True)
class GatedRun:
    masks: np.ndarray  # (T, bins) float
    kept: np.ndarray  # (T, blocks) channels kept per frame
    gates: list[np.ndarray]  # per block (T, M) bool
    macs: np.ndarray  # (T,) MACs executed per frame


def run_frames(model: GatedModel, feats: np.ndarray, sim: Simulator | None = None) -> GatedRun:
    """float features (T, bins) through the board's C runtime (hil.sim), from a fresh history."""
    sim = sim or Simulator(model.blob)
    sim.restart()
    f = model.features
    outs = sim.run(quantize(feats, f.scale, f.zero_point, f.dtype).reshape(len(feats), *f.shape[1:] or (-1,)))
    mspec = sim.outputs[model.mask]
    masks = dequantize(outs[model.mask], mspec.scale, mspec.zero_point, np.float64).reshape(len(feats), -1)
    gates = [outs[i].reshape(len(feats), -1).astype(bool) for i in model.gates]
    kept = np.stack([gt.sum(axis=1) for gt in gates], axis=1)
    return GatedRun(masks, kept, gates, macs_of(model, kept))


def mirror_gates(model, gm: GatedModel, pcm: np.ndarray) -> np.ndarray:
    """(hops, blocks) channels kept per hop of the stream of int16 pcm, from the host mirror (hil.dsp.chain
    with the simulator: the board's arithmetic); model: a hil.step.chain.StreamModel of gm's TFLite."""
    from hil.dsp.chain import ChainStream
    from hil.step.chain import stream_hops_of

    mirror = ChainStream(model.compiled, model.config)
    kept = []
    for hop in stream_hops_of(pcm, model.chain):
        mirror.step(hop)
        kept.append([int(mirror.last_outputs[i].astype(bool).sum()) for i in gm.gates])
    return np.array(kept, np.int64)


def macs_of(gm: GatedModel, kept: np.ndarray) -> np.ndarray:
    """MACs executed per frame with kept (frames, blocks) channels."""
    pruned = (np.asarray(gm.mids)[None, :] - kept) * np.asarray(gm.mac_per_channel)[None, :]
    return gm.macs_open - pruned.sum(axis=1)


def is_gated(tflite: bytes) -> bool:
    return any(op.name == options.CUSTOM_CODE for op in read_tflite(tflite).ops)


def usage_summary(gm: GatedModel, kept: list[np.ndarray]) -> dict:
    """Per-frame figures of a gated model over streamed utterances (kept: (hops, blocks) per utterance):
    channels kept per block and in all, MACs executed per frame (counted from the gates), on average."""
    k = np.concatenate(kept)
    macs = macs_of(gm, k)
    return {"blocks": gm.blocks, "channels_per_block": list(gm.mids),
            "kept_per_block_mean": [round(float(v), 2) for v in k.mean(axis=0)],
            "usage_mean": round(float(k.sum(axis=1).mean() / sum(gm.mids)), 4),
            "usage_min": round(float(k.sum(axis=1).min() / sum(gm.mids)), 4),
            "usage_max": round(float(k.sum(axis=1).max() / sum(gm.mids)), 4),
            "macs_per_frame_mean": round(float(macs.mean()), 1), "macs_all_open": gm.macs_open,
            "kept_per_frame_first_utterance": kept[0].sum(axis=1).tolist(),
            "gates_from": "host mirror (hil.dsp.chain + hil.sim), bit-exact with the board's stream"}  # fmt: skip
