"""The host mirror of the board's chain (firmware/src/dsp): numpy float32, operation for operation.

Every expression below rounds exactly where the C rounds (float32 IEEE add, multiply, divide; no
fused multiply-add, no reductions, no numpy FFT), from the same generated tables (hil.dsp.tables),
so features, quantized model inputs and output PCM equal the board's bit for bit. Functions take
one frame on the last axis and broadcast over leading ones. `ChainStream` runs the whole chain
per hop with the model in the bit-exact simulator (hil.sim) and the GRU states fed back with the
board's integer requantization.
"""

from __future__ import annotations

import numpy as np

from hil.dsp import spec
from hil.dsp.config import StreamConfig, requantize_state
from hil.dsp.tables import FFT_POINTS as N
from hil.dsp.tables import tables

F = np.float32
HOP = spec.HOP
_HALF = F(0.5)
_LN2 = F(0.693147182)
_LN_POLY = tuple(F(c) for c in (2 / 9, 2 / 7, 2 / 5, 2 / 3, 2.0))
_SQRT2_BITS = 0x3FB504F3
_FLOOR = F(spec.POWER_FLOOR)


def _twiddle(re, im, t):
    """(re, im) * W^t, W = exp(-2 pi i / 320): (a c - b s, a s + b c)."""
    c, s = tables().tw_re[t], tables().tw_im[t]
    return re * c - im * s, re * s + im * c


def _radix5(xr, xi):
    """The first Stockham stage: 32 radix-5 butterflies of x[j + 32 r], no twiddles."""
    c1, c2, s1, s2 = tables().radix5
    st = N // 5
    pr = [xr[..., r * st : (r + 1) * st] for r in range(5)]
    pi = [xi[..., r * st : (r + 1) * st] for r in range(5)]
    t1r, t1i = pr[1] + pr[4], pi[1] + pi[4]
    t2r, t2i = pr[2] + pr[3], pi[2] + pi[3]
    t3r, t3i = pr[1] - pr[4], pi[1] - pi[4]
    t4r, t4i = pr[2] - pr[3], pi[2] - pi[3]
    a1r, a1i = (pr[0] + c1 * t1r) + c2 * t2r, (pi[0] + c1 * t1i) + c2 * t2i
    a2r, a2i = (pr[0] + c2 * t1r) + c1 * t2r, (pi[0] + c2 * t1i) + c1 * t2i
    b1r, b1i = s1 * t3r + s2 * t4r, s1 * t3i + s2 * t4i
    b2r, b2i = s2 * t3r - s1 * t4r, s2 * t3i - s1 * t4i
    yr, yi = np.empty_like(xr), np.empty_like(xi)
    outs = [((pr[0] + t1r) + t2r, (pi[0] + t1i) + t2i), (a1r + b1i, a1i - b1r), (a2r + b2i, a2i - b2r),
            (a2r - b2i, a2i + b2r), (a1r - b1i, a1i + b1r)]  # fmt: skip
    for r, (vr, vi) in enumerate(outs):
        yr[..., r::5], yi[..., r::5] = vr, vi
    return yr, yi


def _radix2(xr, xi, ns: int):
    """A radix-2 stage after sub-transforms of length ns (see stage_radix2 in fft.c)."""
    j = np.arange(N // 2)
    k = j % ns
    d = (j // ns) * 2 * ns + k
    vr, vi = _twiddle(xr[..., j + N // 2], xi[..., j + N // 2], k * (N // ns))
    yr, yi = np.empty_like(xr), np.empty_like(xi)
    yr[..., d], yi[..., d] = xr[..., j] + vr, xi[..., j] + vi
    yr[..., d + ns], yi[..., d + ns] = xr[..., j] - vr, xi[..., j] - vi
    return yr, yi


def fft160(re: np.ndarray, im: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Forward DFT of 160 complex points (hil_fft160)."""
    re, im = _radix5(np.asarray(re, F), np.asarray(im, F))
    for ns in (5, 10, 20, 40, 80):
        re, im = _radix2(re, im, ns)
    return re, im


def rfft320(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Real FFT of 320 samples into 161 bins (hil_rfft320)."""
    x = np.asarray(x, F)
    zr, zi = fft160(x[..., 0::2], x[..., 1::2])
    k = np.arange(1, N)
    ar, ai, br, bi = zr[..., k], zi[..., k], zr[..., N - k], zi[..., N - k]
    er, ei = (ar + br) * _HALF, (ai - bi) * _HALF
    o_r, oi = (ai + bi) * _HALF, (br - ar) * _HALF
    c, s = tables().tw_re[k], tables().tw_im[k]
    shape = x.shape[:-1] + (N + 1,)
    re, im = np.zeros(shape, F), np.zeros(shape, F)
    re[..., 0], re[..., N] = zr[..., 0] + zi[..., 0], zr[..., 0] - zi[..., 0]
    re[..., 1:N] = er + (o_r * c - oi * s)
    im[..., 1:N] = ei + (o_r * s + oi * c)
    return re, im


def irfft320(re: np.ndarray, im: np.ndarray) -> np.ndarray:
    """160 x the inverse real FFT of 161 bins (hil_irfft320; im[0] and im[160] are ignored)."""
    re, im = np.asarray(re, F), np.array(im, F)
    im[..., 0] = im[..., N] = 0
    k = np.arange(N)
    ar, ai, br, bi = re[..., k], im[..., k], re[..., N - k], im[..., N - k]
    er, ei = (ar + br) * _HALF, (ai - bi) * _HALF
    dr, di = (ar - br) * _HALF, (ai + bi) * _HALF
    c, s = tables().tw_re[k], tables().tw_im[k]
    o_r, oi = dr * c + di * s, di * c - dr * s
    fr, fi = fft160(er - oi, -(ei + o_r))
    x = np.empty(re.shape[:-1] + (2 * N,), F)
    x[..., 0::2], x[..., 1::2] = fr, -fi
    return x


def ln_f32(x: np.ndarray) -> np.ndarray:
    """hil_ln_f32: exponent from the bits, mantissa in [sqrt(1/2), sqrt(2)), 2 atanh(s) to s^9."""
    u = np.asarray(x, F).view(np.uint32)
    e = (u >> 23).astype(np.int32) - 127
    mbits = (u & 0x007FFFFF) | 0x3F800000
    big = mbits > _SQRT2_BITS
    m = np.where(big, mbits - 0x00800000, mbits).astype(np.uint32).view(F)
    e = e + big
    s = (m - F(1)) / (m + F(1))
    s2 = s * s
    p = _LN_POLY[0]
    for c in _LN_POLY[1:]:
        p = p * s2 + c
    return e.astype(F) * _LN2 + s * p


def round_sat(v: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """hil_stft_round_sat: round half away from zero, saturate to [lo, hi] (NaN -> hi), int32."""
    v = np.asarray(v, F)
    inside = (v < F(hi)) & (v > F(lo))
    safe = np.where(inside, v, F(0))
    i = np.trunc(safe)
    frac = safe - i
    r = i.astype(np.int32) + (frac >= _HALF) - (frac <= -_HALF)
    return np.where(~(v < F(hi)), hi, np.where(~(v > F(lo)), lo, r)).astype(np.int32)


def analysis(prev: np.ndarray, hop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Window the frame [prev, hop] of int16 PCM (scaled to [-1, 1)) and transform it."""
    frame = np.concatenate([np.asarray(prev), np.asarray(hop)], axis=-1).astype(F)
    return rfft320(frame * tables().analysis)


def log_power(re: np.ndarray, im: np.ndarray) -> np.ndarray:
    """ln((re^2 + im^2) + floor), float32: the model's feature before quantization."""
    return ln_f32((re * re + im * im) + _FLOOR)


def features(re: np.ndarray, im: np.ndarray, inv_scale: float, zp: int) -> np.ndarray:
    """hil_stft_features: int8 sat(round_half_away(ln(power) * inv_scale) + zp)."""
    f = log_power(re, im) * F(inv_scale)
    return np.clip(round_sat(f, -1024, 1024) + zp, -128, 127).astype(np.int8)


def apply_mask(mask: np.ndarray, scale: float, zp: int, re: np.ndarray, im: np.ndarray):
    """hil_stft_apply_mask: (re, im) * (mask - zp) * scale."""
    m = (np.asarray(mask).astype(np.int32) - zp).astype(F) * F(scale)
    return m * re, m * im


def synthesis(re: np.ndarray, im: np.ndarray, tail: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """hil_stft_synthesis: (int16 output hop, new tail)."""
    y = irfft320(re, im)
    w = tables().synthesis
    out = round_sat(tail + y[..., :HOP] * w[:HOP], -32768, 32767).astype(np.int16)
    return out, y[..., HOP:] * w[HOP:]


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
        """Zero the history and the tail; every state at its input's zero point (as STREAM_BEGIN)."""
        self.prev = np.zeros(HOP, np.int16)
        self.tail = np.zeros(HOP, F)
        self.states = {k.state_in: np.full(self.model.inputs[k.state_in].shape, k.zp_in, np.int8)
                       for k in self.config.links}  # fmt: skip
        self.last_features = np.zeros(spec.BINS, np.int8)  # the quantized model input of the last hop
        self.last_mask = np.zeros(spec.BINS, F)  # the dequantized mask of the last hop

    def _model(self, q: np.ndarray) -> list[np.ndarray]:
        cfg, specs = self.config, self.model.inputs
        inputs = [q.reshape(specs[i].shape) if i == cfg.feature_input else self.states[i] for i in range(len(specs))]
        outs = self.sim.run(*[x[None] for x in inputs], reference=cfg.reference)
        for link in cfg.links:
            self.states[link.state_in] = requantize_state(outs[link.state_out][0], link)
        return outs

    def step(self, hop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One hop of 160 int16 samples: (stage counts (5,), 160 int16 output samples)."""
        import time

        cfg, hop = self.config, np.asarray(hop, np.int16)
        t = [time.perf_counter_ns()]
        re, im = analysis(self.prev, hop)
        t.append(time.perf_counter_ns())
        self.last_features = features(re, im, cfg.feature_inv_scale, cfg.feature_zp)
        t.append(time.perf_counter_ns())
        mask = self._model(self.last_features)[cfg.mask_output].reshape(-1)
        t.append(time.perf_counter_ns())
        re, im = apply_mask(mask, cfg.mask_scale, cfg.mask_zp, re, im)
        t.append(time.perf_counter_ns())
        out, self.tail = synthesis(re, im, self.tail)
        self.prev = hop
        t.append(time.perf_counter_ns())
        self.last_mask = (mask.astype(np.int32) - cfg.mask_zp).astype(F) * F(cfg.mask_scale)
        return np.diff(np.array(t, np.int64)).astype(np.uint32), out

    def hops(self, pcm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """k hops (k, 160) -> (stage counts (k, 5), output (k, 160))."""
        rows = [self.step(h) for h in np.asarray(pcm, np.int16).reshape(-1, HOP)]
        return np.stack([r[0] for r in rows]), np.stack([r[1] for r in rows])
