"""Speech-quality metrics of an enhanced signal against its clean reference: PESQ-wb, STOI, SI-SDR.

Inputs are 1-D signals: float in [-1, 1), or int16 PCM (scaled by 1/32768). Reference and degraded
signal must have the same length (the chain in hil.dsp.spec keeps lengths). A signal that PESQ or
STOI cannot score (silent, too short, not finite) is a ConfigError saying so, never a NaN: a mean
over a test set then cannot hide a broken utterance.
"""

from __future__ import annotations

import numpy as np

from hil.audio import SAMPLE_RATE
from hil.errors import ConfigError

_EPS = 1e-12
METRICS = ("pesq_wb", "stoi", "si_sdr_db")  # the keys of scores()


def _signal(x, what: str) -> np.ndarray:
    a = np.asarray(x)
    if a.ndim != 1 or a.size == 0:
        raise ConfigError(f"{what}: wanted a 1-D signal, got shape {a.shape}")
    if a.dtype == np.int16:
        return a.astype(np.float64) / 32768.0
    if not np.issubdtype(a.dtype, np.floating):
        raise ConfigError(f"{what}: wanted float or int16 samples, got dtype {a.dtype}")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise ConfigError(f"{what}: wanted finite samples, got NaN or inf")
    return a


def _pair(ref, deg, name: str) -> tuple[np.ndarray, np.ndarray]:
    r, d = _signal(ref, f"{name} reference"), _signal(deg, f"{name} degraded")
    if len(r) != len(d):
        raise ConfigError(f"{name}: wanted reference and degraded of one length, got {len(r)} and {len(d)} samples")
    return r, d


def pesq_wb(ref, deg, sr: int = SAMPLE_RATE) -> float:
    """Wide-band PESQ (ITU-T P.862.2, MOS-LQO about 1.04..4.64) of `deg` against `ref` at 16 kHz."""
    from pesq import PesqError, pesq

    if sr != SAMPLE_RATE:
        raise ConfigError(f"pesq_wb: wanted a {SAMPLE_RATE} Hz signal (wide-band mode), got {sr} Hz")
    r, d = _pair(ref, deg, "pesq_wb")
    if np.max(np.abs(r)) == 0.0 or np.max(np.abs(d)) == 0.0:
        raise ConfigError(f"pesq_wb: wanted speech in both signals, got a silent one ({len(r)} samples)")
    try:
        return float(pesq(sr, r, d, "wb"))
    except PesqError as exc:  # NoUtterancesError for silence, others for signals PESQ cannot align
        raise ConfigError(
            f"pesq_wb: wanted speech PESQ can score in both signals, got {type(exc).__name__} "
            f"({len(r) / sr:.2f} s, reference peak {np.abs(r).max():.2g})"
        ) from None


def stoi(ref, deg, sr: int = SAMPLE_RATE) -> float:
    """Short-time objective intelligibility (Taal et al. 2011, 0..1) of `deg` against `ref`."""
    from pystoi import stoi as _stoi

    r, d = _pair(ref, deg, "stoi")
    if np.max(np.abs(r)) == 0.0:
        raise ConfigError(f"stoi: wanted speech in the reference, got {len(r)} silent samples")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pystoi warns and returns 1e-5 when too few frames remain
        value = float(_stoi(r, d, sr, extended=False))
    if not np.isfinite(value):
        raise ConfigError(f"stoi: wanted a score, got {value} ({len(r) / sr:.2f} s of audio)")
    return value


def si_sdr(ref, est) -> float:
    """Scale-invariant signal-to-distortion ratio in dB (Le Roux et al. 2019), both signals made zero-mean."""
    r, e = _pair(ref, est, "si_sdr")
    r, e = r - r.mean(), e - e.mean()
    energy = float(np.dot(r, r))
    if energy <= _EPS:
        raise ConfigError(f"si_sdr: wanted a reference with energy, got {len(r)} constant samples")
    target = (np.dot(e, r) / energy) * r
    noise = e - target
    return float(10.0 * np.log10((np.dot(target, target) + _EPS) / (np.dot(noise, noise) + _EPS)))


def scores(ref, deg, sr: int = SAMPLE_RATE) -> dict[str, float]:
    """All three metrics of one pair: {'pesq_wb', 'stoi', 'si_sdr_db'}."""
    return {"pesq_wb": pesq_wb(ref, deg, sr), "stoi": stoi(ref, deg, sr), "si_sdr_db": si_sdr(ref, deg)}
