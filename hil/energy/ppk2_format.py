"""The Nordic Power Profiler Kit II's wire format: commands, metadata, samples and their conversion.

The wire protocol follows Nordic's own app (github.com/NordicSemiconductor/
pc-nrfconnect-ppk, src/device/serialDevice.ts and abstractDevice.ts), cross-checked
with IRNAS/ppk2-api-python (src/ppk2_api/ppk2_api.py):

- commands are raw bytes: GET_META_DATA 0x19, SET_POWER_MODE 0x11 (1 ampere meter,
  2 source meter), REGULATOR_SET 0x0D + the millivolts big-endian, DEVICE_RUNNING_SET
  0x0C (1 DUT power on, 0 off), AVERAGE_START 0x06, AVERAGE_STOP 0x07;
- GET_META_DATA answers text lines "key: value" ending with "END": the calibration
  R0..R4 (shunt ohms), GS0..4, GI0..4, O0..4, S0..4, I0..4, UG0..4, and Calibrated,
  HW, mode, IA; "-nan" or a missing key leaves the default;
- while running, the PPK2 sends 4-byte little-endian samples at 100 kHz: bits 0-13
  ADC, 14-16 range (0-4), 18-23 a 6-bit counter, 24-31 the 8 logic inputs;
- a sample converts to amperes per range r as
      adc = ADC * 4;  x = (adc - O[r]) * (1.8 / 163840 / R[r])
      I   = UG[r] * (x * (GS[r] * x + GI[r]) + S[r] * vdd_mV / 1000 + I[r])
  then the reference's spike filter smooths the 3 samples after a range switch."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hil.energy.meter import MeterError

GET_META_DATA = 0x19
SET_POWER_MODE = 0x11
REGULATOR_SET = 0x0D
DEVICE_RUNNING_SET = 0x0C
AVERAGE_START = 0x06
AVERAGE_STOP = 0x07
RESET = 0x20

POWER_MODE_AMPERE = 1
POWER_MODE_SOURCE = 2

SAMPLE_RATE_HZ = 100_000
ADC_MULT = 1.8 / 163840
VDD_MIN_MV, VDD_MAX_MV = 800, 5000
RANGES = 5
COUNTER_MASK = 0x3F

# Defaults when the metadata leaves a value out (as both reference implementations do).
DEFAULT_MODIFIERS = {
    "R": (1031.64, 101.65, 10.15, 0.94, 0.043),
    "GS": (1.0,) * RANGES,
    "GI": (1.0,) * RANGES,
    "O": (0.0,) * RANGES,
    "S": (0.0,) * RANGES,
    "I": (0.0,) * RANGES,
    "UG": (1.0,) * RANGES,
}

# The reference's spike filter.
SPIKE_ALPHA, SPIKE_ALPHA5, SPIKE_SAMPLES = 0.18, 0.06, 3


@dataclass(frozen=True)
class Metadata:
    modifiers: dict[str, tuple[float, ...]]
    calibrated: int | None = None
    hw: int | None = None
    mode: int | None = None
    ia: int | None = None
    raw: dict[str, str] = field(default_factory=dict)


def _number(text: str) -> float | None:
    text = text.strip()
    if text.lower() in ("-nan", "nan"):
        return None
    return float(text)


def parse_metadata(text: str, where: str = "PPK2") -> Metadata:
    """Parse the GET_META_DATA answer. MeterError (one line) when it is not PPK2 metadata."""
    if "END" not in text:
        raise MeterError(f"{where}: metadata has no 'END' line: not a PPK2, or not answering")
    body = text[: text.index("END")]
    raw: dict[str, str] = {}
    for line in body.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition(": ")
        if not sep:
            raise MeterError(f"{where}: metadata line is not 'key: value': {line.strip()[:40]!r}")
        raw[key.strip().lower()] = value.strip()
    if not any(f"r{i}" in raw for i in range(RANGES)):
        raise MeterError(f"{where}: metadata has no calibration (R0..R4): not a PPK2?")
    modifiers = {}
    for name, defaults in DEFAULT_MODIFIERS.items():
        values = []
        for i, default in enumerate(defaults):
            key = f"{name.lower()}{i}"
            try:
                value = _number(raw[key]) if key in raw else None
            except ValueError:
                raise MeterError(f"{where}: metadata key '{name}{i}': not a number, got {raw[key][:40]!r}") from None
            # Like the reference: a missing, NaN (or for R, zero) value keeps the default.
            values.append(default if value is None or (name == "R" and value == 0) else value)
        modifiers[name] = tuple(values)
    ints = {}
    for key in ("calibrated", "hw", "mode", "ia"):
        try:
            ints[key] = int(float(raw[key])) if key in raw and _number(raw[key]) is not None else None
        except ValueError:
            raise MeterError(f"{where}: metadata key '{key}': not a number, got {raw[key][:40]!r}") from None
    return Metadata(modifiers=modifiers, raw=raw, **ints)


def unpack(data: bytes) -> dict[str, np.ndarray]:
    """Split raw 4-byte samples into their fields (a trailing partial sample is ignored)."""
    words = np.frombuffer(data[: len(data) // 4 * 4], dtype="<u4")
    return {
        "adc": (words & 0x3FFF).astype(np.int64) * 4,
        "range": ((words >> 14) & 0x7).astype(np.int64),
        "counter": ((words >> 18) & COUNTER_MASK).astype(np.int64),
        "logic": ((words >> 24) & 0xFF).astype(np.uint8),
    }


def convert_ua(adc: np.ndarray, rng: np.ndarray, modifiers: dict, vdd_mv: float) -> np.ndarray:
    """Per-range conversion of ADC values (already x4) to µA, without the spike filter.
    A range above 4 is not a valid sample: NaN."""
    adc = np.asarray(adc, dtype=np.float64)
    rng = np.asarray(rng)
    valid = rng < RANGES
    r = np.where(valid, rng, 0)
    m = {k: np.asarray(v, dtype=np.float64)[r] for k, v in modifiers.items()}
    x = (adc - m["O"]) * (ADC_MULT / m["R"])
    amps = m["UG"] * (x * (m["GS"] * x + m["GI"]) + (m["S"] * (vdd_mv / 1000) + m["I"]))
    return np.where(valid, amps * 1e6, np.nan)


def spike_filter(values: np.ndarray, rng: np.ndarray) -> np.ndarray:
    """The reference app's spike filter: after a range switch, the next samples take
    rolling averages (range 4 keeps its own, slower one)."""
    out = np.array(values, dtype=np.float64)
    avg = avg4 = None
    prev_range = None
    after_spike = 0
    consecutive = 0
    for i in range(len(out)):
        v, r = out[i], int(rng[i])
        if math.isnan(v):
            continue
        prev_avg, prev_avg4 = avg, avg4
        avg = v if avg is None else SPIKE_ALPHA * v + (1 - SPIKE_ALPHA) * avg
        avg4 = v if avg4 is None else SPIKE_ALPHA5 * v + (1 - SPIKE_ALPHA5) * avg4
        if prev_range is None:
            prev_range = r
        if prev_range != r or after_spike > 0:
            if prev_range != r:
                consecutive = 0
                after_spike = SPIKE_SAMPLES
            else:
                consecutive += 1
            if r == 4:
                if consecutive < 2:
                    avg, avg4 = prev_avg, prev_avg4
                v = avg4
            else:
                v = avg
            after_spike -= 1
        prev_range = r
        out[i] = v
    return out


def count_dropped(counter: np.ndarray) -> int:
    """Samples missing by the 6-bit counter (each sample should be the last plus one)."""
    if len(counter) < 2:
        return 0
    steps = (np.diff(counter) - 1) & COUNTER_MASK
    return int(steps.sum())
