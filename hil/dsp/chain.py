"""The host mirror of the board's chain (firmware/src/dsp): numpy float32, operation for operation.

Every expression below rounds exactly where the C rounds (float32 IEEE add, multiply, divide; no
fused multiply-add, no reductions, no numpy FFT: hil.dsp.fft, hil.dsp.mathf), from the same generated
tables (hil.dsp.tables), so features, quantized model inputs and output PCM equal the board's bit for
bit. Each stage takes the chain (hil.dsp.spec.ChainSpec, nsNet2's by default) and one frame on the last
axis, and broadcasts over leading ones. `ChainStream` runs the whole chain per hop with the model in the
bit-exact simulator (hil.sim) and the GRU states fed back with the board's integer requantization.
"""

from __future__ import annotations

import numpy as np

from hil.dsp.config import StreamConfig, requantize_state
from hil.dsp.fft import irfft, rfft
from hil.dsp.mathf import exp_f32, ln_f32, round_sat
from hil.dsp.spec import NSNET2, POWER_FLOOR, ChainSpec
from hil.dsp.tables import windows

F = np.float32
_FLOOR = F(POWER_FLOOR)


def _windows(chain: ChainSpec) -> tuple[np.ndarray, np.ndarray]:
    return windows(chain.fft_size, chain.hop, chain.window)


def analysis(prev: np.ndarray, hop: np.ndarray, chain: ChainSpec = NSNET2) -> tuple[np.ndarray, np.ndarray]:
    """Window the frame [prev (fft_size - hop samples), hop] of int16 PCM (scaled to [-1, 1)), transform it."""
    frame = np.concatenate([np.asarray(prev), np.asarray(hop)], axis=-1).astype(F)
    return rfft(frame * _windows(chain)[0])


def feature(re: np.ndarray, im: np.ndarray, chain: ChainSpec = NSNET2) -> np.ndarray:
    """The model's feature before quantization, float32: ln(power) or exp(ln(power) * c/2),
    power = (re^2 + im^2) + floor."""
    ln = ln_f32((re * re + im * im) + _FLOOR)
    return ln if chain.feature == "log-power" else exp_f32(ln * (F(chain.exponent) * F(0.5)))


def log_power(re: np.ndarray, im: np.ndarray) -> np.ndarray:
    """ln((re^2 + im^2) + floor), float32: nsNet2's feature."""
    return feature(re, im, NSNET2)


def features(re: np.ndarray, im: np.ndarray, inv_scale: float, zp: int, chain: ChainSpec = NSNET2) -> np.ndarray:
    """hil_stft_features: int8 sat(round_half_away(feature * inv_scale) + zp)."""
    f = feature(re, im, chain) * F(inv_scale)
    return np.clip(round_sat(f, -1024, 1024) + zp, -128, 127).astype(np.int8)


def apply_mask(mask: np.ndarray, scale: float, zp: int, re: np.ndarray, im: np.ndarray):
    """hil_stft_apply_mask: (re, im) * (mask - zp) * scale."""
    m = (np.asarray(mask).astype(np.int32) - zp).astype(F) * F(scale)
    return m * re, m * im


def synthesis(re: np.ndarray, im: np.ndarray, tail: np.ndarray, chain: ChainSpec = NSNET2):
    """hil_stft_synthesis: (int16 output hop, new tail of fft_size - hop samples)."""
    hop, keep = chain.hop, chain.latency - chain.hop
    y = irfft(re, im) * _windows(chain)[1]
    out = round_sat(tail[..., :hop] + y[..., :hop], -32768, 32767).astype(np.int16)
    moved = tail[..., hop:] + y[..., hop : hop + keep]
    return out, np.concatenate([moved, y[..., hop + keep :]], axis=-1)


class ChainStream:
    """The mirror of the board's stream (hil/stream.h): input history, overlap-add tail and GRU states
    kept across hops, the model run in the bit-exact simulator. Stage counts are host nanoseconds."""

    counter = "host-ns"
    max_hops = 1 << 16

    def __init__(self, model, config: StreamConfig):
        from hil.sim import Simulator

        self.model, self.config = model, config
        self.sim = Simulator(model.blob)
        self.begin()

    def begin(self) -> None:
        """Zero the history and the tail; every state at its input's zero point; the model's own histories
        (gated blocks) afresh (as STREAM_BEGIN)."""
        chain = self.config.chain
        self.sim.restart()
        self.prev = np.zeros(chain.latency, np.int16)
        self.tail = np.zeros(chain.latency, F)
        self.states = {k.state_in: np.full(self.model.inputs[k.state_in].shape, k.zp_in, np.int8)
                       for k in self.config.links}  # fmt: skip
        self.last_features = np.zeros(chain.bins, np.int8)  # the quantized model input of the last hop
        self.last_mask = np.zeros(chain.bins, F)  # the dequantized mask of the last hop
        self.last_outputs: list[np.ndarray] = []  # every model output of the last hop (a gated model's gates)
        self.last_exit = 0  # the exit the last hop took (with exits)

    def _model(self, q: np.ndarray) -> tuple[np.ndarray, float, int]:
        """Run the model on the quantized features; (the mask, its scale and zero point). With exits, the
        policy picks the exit (self.last_exit) and only the states its exits wrote are fed back."""
        cfg, specs = self.config, self.model.inputs
        inputs = [q.reshape(specs[i].shape) if i == cfg.feature_input else self.states[i] for i in range(len(specs))]
        outs = [o[0].reshape(-1) for o in self.sim.run(*[x[None] for x in inputs], reference=cfg.reference)]
        written, mask = None, (outs[cfg.mask_output], cfg.mask_scale, cfg.mask_zp)
        if cfg.exits is not None:
            self.last_exit, evaluated = cfg.exits.choose(outs)
            written, e = cfg.exits.written(evaluated), cfg.exits.exits[self.last_exit]
            mask = (outs[e.output], e.mask_scale, e.mask_zp)
        for link in cfg.links:
            if written is None or link.state_out in written:  # the state rule (hil.dsp.exits): skipped ones hold
                new = requantize_state(outs[link.state_out], link)
                self.states[link.state_in] = new.reshape(specs[link.state_in].shape)
        self.last_outputs = outs
        return mask

    def step(self, hop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One hop of `hop` int16 samples: (stage counts (5,), `hop` int16 output samples)."""
        import time

        cfg, hop = self.config, np.asarray(hop, np.int16)
        t = [time.perf_counter_ns()]
        re, im = analysis(self.prev, hop, cfg.chain)
        t.append(time.perf_counter_ns())
        self.last_features = features(re, im, cfg.feature_inv_scale, cfg.feature_zp, cfg.chain)
        t.append(time.perf_counter_ns())
        mask, mask_scale, mask_zp = self._model(self.last_features)
        t.append(time.perf_counter_ns())
        re, im = apply_mask(mask, mask_scale, mask_zp, re, im)
        t.append(time.perf_counter_ns())
        out, self.tail = synthesis(re, im, self.tail, cfg.chain)
        self.prev = np.concatenate([self.prev[len(hop) :], hop])
        t.append(time.perf_counter_ns())
        self.last_mask = (mask.astype(np.int32) - mask_zp).astype(F) * F(mask_scale)
        return np.diff(np.array(t, np.int64)).astype(np.uint32), out

    def hops(self, pcm: np.ndarray):
        """k hops (k, hop) -> (stage counts (k, 5), output (k, hop)), and with exits the exits taken (k,)."""
        rows, taken = [], []
        for h in np.asarray(pcm, np.int16).reshape(-1, self.config.chain.hop):
            rows.append(self.step(h))
            taken.append(self.last_exit)
        out = np.stack([r[0] for r in rows]), np.stack([r[1] for r in rows])
        return (*out, np.array(taken, np.uint8)) if self.config.exits is not None else out
