"""A Nordic Power Profiler Kit II driver over pyserial.

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
  then the reference's spike filter smooths the 3 samples after a range switch.

URLs go through serial.serial_for_url: /dev/ttyACM0, socket://host:port, loop://."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from hil.energy.meter import Meter, MeterError, Samples
from hil.errors import HilError
from hil.link.transport import Port, open_url

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


class PPK2(Meter):
    """A PPK2 at `url`. mode "source" powers the board at supply_mv (source meter);
    "ampere" measures a board powered elsewhere (supply_mv is then its voltage, used
    in the conversion). Opening reads the calibration and sets the mode and voltage."""

    sample_rate_hz = SAMPLE_RATE_HZ

    def __init__(
        self,
        url: str,
        supply_mv: int = 3300,
        mode: str = "source",
        *,
        metadata_timeout_s: float = 2.0,
        spike_filter: bool = True,
        power_on: bool = True,
    ):
        if mode not in ("source", "ampere"):
            raise ValueError(f"mode must be 'source' or 'ampere', got {mode!r}")
        if not VDD_MIN_MV <= supply_mv <= VDD_MAX_MV:
            raise HilError(f"PPK2 supply_mv must be {VDD_MIN_MV}-{VDD_MAX_MV}, got {supply_mv}")
        self.url = url
        self.supply_mv = supply_mv
        self.use_spike_filter = spike_filter
        self._buf = bytearray()
        self._lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self._reading = threading.Event()
        self.port: Port = open_url(url, baud=115200)
        try:
            self.metadata = self._read_metadata(metadata_timeout_s)
            self._send(SET_POWER_MODE, POWER_MODE_SOURCE if mode == "source" else POWER_MODE_AMPERE)
            self._send(REGULATOR_SET, supply_mv >> 8, supply_mv & 0xFF)
            if power_on:
                self._send(DEVICE_RUNNING_SET, 1)
        except BaseException:
            self.port.close()
            raise

    # -- protocol -----------------------------------------------------------------

    def _send(self, *data: int) -> None:
        try:
            self.port.write(bytes(data))
        except Exception as exc:  # noqa: BLE001 - pyserial raises several kinds
            raise MeterError(f"PPK2 at {self.url}: write failed: {exc}") from None

    def _read_metadata(self, timeout_s: float) -> Metadata:
        self._send(GET_META_DATA)
        text = b""
        deadline = time.monotonic() + timeout_s
        while b"END" not in text and time.monotonic() < deadline:
            text += self.port.read_available(min(0.05, max(0.0, deadline - time.monotonic())))
        if b"END" not in text:
            raise MeterError(f"PPK2 at {self.url}: no metadata ending in 'END' within {timeout_s:g} s: not a PPK2?")
        # The line after END may still be arriving; take what is there.
        text += self.port.read_available(0.02)
        try:
            decoded = text.decode("ascii")
        except UnicodeDecodeError:
            raise MeterError(f"PPK2 at {self.url}: metadata is not text: not a PPK2?") from None
        return parse_metadata(decoded, where=f"PPK2 at {self.url}")

    # -- sampling -----------------------------------------------------------------

    def _read_loop(self) -> None:
        while self._reading.is_set():
            try:
                data = self.port.read_available(0.02)
            except Exception:  # noqa: BLE001 - port closed under us: stop reading
                return
            if data:
                with self._lock:
                    self._buf += data

    def start(self) -> None:
        if self._reader is not None:
            raise HilError("PPK2: already sampling")
        while self.port.read_available(0.01):  # left-overs: the stream must start on a sample boundary
            pass
        self._buf = bytearray()
        self._reading.set()
        self._reader = threading.Thread(target=self._read_loop, name="ppk2-reader", daemon=True)
        self._send(AVERAGE_START)
        self._reader.start()

    def stop(self, drain_s: float = 0.05) -> Samples:
        if self._reader is None:
            raise HilError("PPK2: stop() without start()")
        self._send(AVERAGE_STOP)
        # Keep reading until the line is quiet: samples in flight belong to the capture.
        last = -1
        while True:
            time.sleep(drain_s)
            with self._lock:
                n = len(self._buf)
            if n == last:
                break
            last = n
        self._reading.clear()
        self._reader.join()
        self._reader = None
        with self._lock:
            data = bytes(self._buf)
        return self.decode(data)

    def decode(self, data: bytes) -> Samples:
        """Samples from raw stream bytes, with this PPK2's calibration and voltage."""
        f = unpack(data)
        current = convert_ua(f["adc"], f["range"], self.metadata.modifiers, self.supply_mv)
        if self.use_spike_filter:
            current = spike_filter(current, f["range"])
        n = len(current)
        return Samples(
            times_s=np.arange(n) / SAMPLE_RATE_HZ,
            current_ua=current,
            logic=f["logic"],
            sample_rate_hz=SAMPLE_RATE_HZ,
            dropped=count_dropped(f["counter"]),
        )

    def close(self) -> None:
        if self._reader is not None:
            self._reading.clear()
            self._reader.join()
            self._reader = None
        try:
            self._send(AVERAGE_STOP)
        except MeterError:
            pass
        self.port.close()


def find_ppk2() -> str | None:
    """The serial device of an attached PPK2, by its USB product name, or None."""
    from serial.tools import list_ports

    for p in list_ports.comports():
        if p.product == "PPK2" or (p.description or "").startswith("nRF Connect USB CDC ACM"):
            return p.device
    return None
