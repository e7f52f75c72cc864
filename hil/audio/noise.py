"""Synthetic noises at 16 kHz, each returned as float64 with unit RMS over the whole signal.

white, pink (1/f), brown (1/f^2, high-passed at 100 Hz so its power sits in the speech band),
babble (a sum of 3-6 other utterances), hum (50 or 60 Hz and harmonics), fan (shaped noise with
slow amplitude modulation and a few tones: a fan or an engine), clicks (sparse short impulses).
All of them come from the generator passed in, so a seed fixes them.
"""

from __future__ import annotations

import numpy as np

from hil.audio.speech import SAMPLE_RATE

NOISES = ["white", "pink", "brown", "babble", "hum", "fan", "clicks"]


def _unit(x: np.ndarray) -> np.ndarray:
    x = x - x.mean()
    rms = np.sqrt(np.mean(x**2))
    return x / rms if rms > 0 else x


def _shaped(rng: np.random.Generator, n: int, gain) -> np.ndarray:
    """Gaussian noise whose power spectrum is gain(f)^2: shaped in the frequency domain."""
    f = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE)
    spec = rng.standard_normal(len(f)) + 1j * rng.standard_normal(len(f))
    return _unit(np.fft.irfft(spec * gain(f), n))


def _highpass(f: np.ndarray, fc: float, order: int = 4) -> np.ndarray:
    """Butterworth-like high-pass magnitude."""
    r = (np.maximum(f, 1e-6) / fc) ** order
    return r / np.sqrt(1 + r**2)


def white(rng, n):
    return _unit(rng.standard_normal(n))


def pink(rng, n):
    return _shaped(rng, n, lambda f: _highpass(f, 20.0, 2) / np.sqrt(np.maximum(f, 1.0)))


def brown(rng, n):
    return _shaped(rng, n, lambda f: _highpass(f, 100.0, 4) / np.maximum(f, 1.0))


def hum(rng, n):
    t = np.arange(n) / SAMPLE_RATE
    f0 = float(rng.choice([50.0, 60.0])) * (1 + rng.uniform(-0.002, 0.002))
    x = np.zeros(n)
    for k in range(1, 16):
        amp = rng.uniform(0.3, 1.0) / k ** rng.uniform(0.4, 1.0)
        if k % 2 == 0:
            amp *= rng.uniform(0.2, 0.7)  # mains buzz is mostly odd harmonics
        x += amp * np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi))
    return _unit(x + 0.01 * rng.standard_normal(n))


def fan(rng, n):
    t = np.arange(n) / SAMPLE_RATE
    centre = rng.uniform(150, 900)
    width = rng.uniform(1.0, 2.0)  # octaves
    body = _shaped(
        rng, n, lambda f: _highpass(f, 40.0, 2) * np.exp(-0.5 * (np.log2(np.maximum(f, 1.0) / centre) / width) ** 2)
    )
    am = 1 + rng.uniform(0.15, 0.5) * np.sin(2 * np.pi * rng.uniform(0.3, 3.0) * t + rng.uniform(0, 2 * np.pi))
    x = body * am
    blade = rng.uniform(60, 320)  # blade-pass or firing frequency
    for k in range(1, int(rng.integers(2, 5)) + 1):
        drift = 1 + 0.01 * np.sin(2 * np.pi * rng.uniform(0.1, 0.5) * t)
        x += (
            rng.uniform(0.2, 0.8)
            / k
            * np.sin(2 * np.pi * k * blade * np.cumsum(drift) / SAMPLE_RATE + rng.uniform(0, 6.3))
        )
    return _unit(x)


def clicks(rng, n):
    x = np.zeros(n)
    count = max(1, int(rng.poisson(rng.uniform(3, 15) * n / SAMPLE_RATE)))
    length = SAMPLE_RATE // 250  # 4 ms bursts
    decay = np.exp(-np.arange(length) / rng.uniform(3, 12))
    for pos in rng.integers(0, max(1, n - length), count):
        burst = rng.standard_normal(length) * decay * rng.uniform(0.2, 1.0)
        x[pos : pos + length] += burst[: n - pos]
    return _unit(x + 1e-4 * rng.standard_normal(n))


def babble(rng, n, talkers: list[np.ndarray]) -> np.ndarray:
    """The talkers (3-6 utterances of other voices and sentences) looped to n samples from random
    offsets, each at a random level within 6 dB, summed."""
    x = np.zeros(n)
    for talk in talkers:
        talk = _unit(talk)
        reps = int(np.ceil((n + len(talk)) / len(talk))) + 1
        looped = np.tile(np.concatenate([talk, np.zeros(int(rng.integers(0, SAMPLE_RATE // 4)))]), reps)
        start = int(rng.integers(0, len(talk)))
        x += 10 ** (rng.uniform(-6, 0) / 20) * looped[start : start + n]
    return _unit(x)


GENERATORS = {"white": white, "pink": pink, "brown": brown, "hum": hum, "fan": fan, "clicks": clicks}
