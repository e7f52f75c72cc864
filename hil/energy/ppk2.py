"""A Nordic Power Profiler Kit II driver over pyserial: start and stop the meter, read its metadata,
decode its sample stream. The wire format (commands, metadata keys, sample layout, the conversion to
amperes) is hil.energy.ppk2_format. URLs go through serial.serial_for_url: /dev/ttyACM0,
socket://host:port, loop://."""

from __future__ import annotations

import threading
import time

import numpy as np

from hil.energy.meter import Meter, MeterError, Samples
from hil.energy.ppk2_format import (
    AVERAGE_START, AVERAGE_STOP, DEVICE_RUNNING_SET, GET_META_DATA, Metadata, POWER_MODE_AMPERE,
    POWER_MODE_SOURCE, REGULATOR_SET, SAMPLE_RATE_HZ, SET_POWER_MODE, VDD_MIN_MV, VDD_MAX_MV, convert_ua,
    count_dropped, parse_metadata, spike_filter, unpack,
)
from hil.errors import HilError
from hil.link.transport import Port, open_url


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
