"""What the speech-enhancement chain computes, as a float64 reference.

16 kHz mono PCM (int16). Frames of WINDOW = 320 samples (20 ms) every HOP = 160 samples (10 ms),
a periodic square-root Hann window for analysis and for synthesis (their product, a periodic Hann,
sums to exactly 1 at 50 % overlap, so ISTFT(STFT(x)) == x), a 320-point real FFT giving
BINS = 161 bins. Feature per bin: ln(|X|^2 + POWER_FLOOR) with x scaled to [-1, 1) (pcm / 32768).
The model predicts a mask in [0, 1] per bin; the enhanced spectrum is mask * X; the output is its
inverse real FFT, windowed again and overlap-added.

Streaming: the chain keeps the last WINDOW - HOP input samples (zeros at the start). Each call takes
HOP new samples and gives HOP output samples; output sample n corresponds to input sample
n - (WINDOW - HOP), i.e. the chain's latency is WINDOW - HOP = 160 samples. A whole signal is
streamed as ceil(len / HOP) hops (the last zero-padded) plus one hop of zeros, and the output with
its first LATENCY samples dropped, cut to len, is the enhanced signal.
"""

from __future__ import annotations

import numpy as np


WINDOW = 320
HOP = 160
BINS = WINDOW // 2 + 1
LATENCY = WINDOW - HOP
POWER_FLOOR = 1e-9
PCM_SCALE = 1.0 / 32768.0


def window() -> np.ndarray:
    """The periodic square-root Hann window (float64, WINDOW points)."""
    n = np.arange(WINDOW)
    return np.sqrt(0.5 - 0.5 * np.cos(2.0 * np.pi * n / WINDOW))


def frames(pcm: np.ndarray) -> np.ndarray:
    """(T, WINDOW) analysis frames of a 1-D signal in [-1, 1), streaming-aligned: LATENCY zeros in front,
    zeros behind to a whole number of hops plus one flush hop. T = ceil(len / HOP) + 1, the number of
    hops a stream of the signal takes (the last hop feeds zeros to push out the delayed tail)."""
    x = np.asarray(pcm, np.float64)
    t = -(-len(x) // HOP) + 1
    padded = np.zeros(LATENCY + t * HOP)
    padded[LATENCY : LATENCY + len(x)] = x
    idx = np.arange(t)[:, None] * HOP + np.arange(WINDOW)[None, :]
    return padded[idx]


def stft(pcm: np.ndarray) -> np.ndarray:
    """(T, BINS) complex spectra of the windowed frames."""
    return np.fft.rfft(frames(pcm) * window(), axis=-1)


def log_power(spec: np.ndarray) -> np.ndarray:
    """The model's input feature: ln(|X|^2 + POWER_FLOOR), (T, BINS)."""
    return np.log(np.abs(spec) ** 2 + POWER_FLOOR)


def features(pcm_int16: np.ndarray) -> np.ndarray:
    """Feature frames of int16 PCM, as the model sees them (float32, (T, BINS))."""
    return log_power(stft(np.asarray(pcm_int16, np.float64) * PCM_SCALE)).astype(np.float32)


def istft(spec: np.ndarray, length: int | None = None) -> np.ndarray:
    """Overlap-add synthesis of (T, BINS) spectra back to a signal aligned with the input of `stft`
    (the LATENCY is removed), cut to `length` samples."""
    t = spec.shape[0]
    out = np.zeros(LATENCY + t * HOP)
    y = np.fft.irfft(spec, n=WINDOW, axis=-1) * window()
    for i in range(t):
        out[i * HOP : i * HOP + WINDOW] += y[i] if i * HOP + WINDOW <= len(out) else y[i][: len(out) - i * HOP]
    out = out[LATENCY:]
    return out if length is None else out[:length]


def enhance(pcm_int16: np.ndarray, mask_fn) -> np.ndarray:
    """Apply a mask function (T, BINS) features -> (T, BINS) masks; returns float64 in [-1, 1)."""
    spec = stft(np.asarray(pcm_int16, np.float64) * PCM_SCALE)
    mask = mask_fn(log_power(spec).astype(np.float32))
    return istft(spec * mask, length=len(pcm_int16))


def ideal_ratio_mask(clean_int16: np.ndarray, noisy_int16: np.ndarray) -> np.ndarray:
    """Training target: |S|^2 / (|S|^2 + |N|^2) clipped to [0, 1], N = noisy - clean (float32, (T, BINS))."""
    s = stft(np.asarray(clean_int16, np.float64) * PCM_SCALE)
    n = stft((np.asarray(noisy_int16, np.float64) - np.asarray(clean_int16, np.float64)) * PCM_SCALE)
    ps, pn = np.abs(s) ** 2, np.abs(n) ** 2
    return np.clip(ps / (ps + pn + 1e-12), 0.0, 1.0).astype(np.float32)
