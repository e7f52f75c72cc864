"""An in-process PPK2 stand-in: speaks the PPK2 serial protocol (hil.energy.ppk2) on a
127.0.0.1 socket, so the driver runs unchanged against socket://127.0.0.1:PORT.

Its waveform is synthetic and seeded: sleep current between inference windows,
active current inside them with logic channel 0 high, both with a little Gaussian
noise. It keeps the true currents and windows, so tests can compare what the driver
decodes against ground truth. On AVERAGE_START it streams the whole trace once (as
fast as the socket takes it, or paced at 100 kHz with realtime=True), then idles."""

from __future__ import annotations

import socket
import threading

import numpy as np

from hil.energy import ppk2_format as P

# Realistic calibration metadata, in the PPK2's own text format.
DEFAULT_METADATA = {
    "Calibrated": "0",
    "R0": "1003.3087",
    "R1": "101.5813",
    "R2": "10.3624",
    "R3": "0.9398",
    "R4": "0.0441",
    "GS0": "0.0000",
    "GS1": "0.0512",
    "GS2": "0.0213",
    "GS3": "0.0046",
    "GS4": "0.0000",
    "GI0": "1.0000",
    "GI1": "0.9529",
    "GI2": "0.9641",
    "GI3": "0.9747",
    "GI4": "0.9830",
    "O0": "112.7849",
    "O1": "75.9626",
    "O2": "64.1930",
    "O3": "58.8123",
    "O4": "64.0000",
    "S0": "0.000000",
    "S1": "0.000000",
    "S2": "0.000000",
    "S3": "0.000000",
    "S4": "0.000000",
    "I0": "0.000000",
    "I1": "0.000000",
    "I2": "0.000000",
    "I3": "0.000000",
    "I4": "0.000000",
    "UG0": "1.00",
    "UG1": "1.00",
    "UG2": "1.00",
    "UG3": "1.00",
    "UG4": "1.00",
    "HW": "9173",
    "mode": "2",
    "IA": "56",
}


def metadata_text(values: dict[str, str]) -> bytes:
    return ("".join(f"{k}: {v}\n" for k, v in values.items()) + "END\n").encode("ascii")


def encode(current_ua: np.ndarray, logic: np.ndarray, modifiers: dict, vdd_mv: float, counter0: int = 0) -> bytes:
    """4-byte samples that the reference conversion turns back into current_ua (up to
    the 14-bit ADC's quantisation): each sample in the most sensitive range it fits."""
    amps = np.asarray(current_ua, dtype=np.float64) / 1e6
    n = len(amps)
    adc14 = np.zeros(n, dtype=np.int64)
    rng = np.full(n, -1, dtype=np.int64)
    for r in range(P.RANGES):
        res, gs, gi, off, slope, icpt, ug = (modifiers[k][r] for k in ("R", "GS", "GI", "O", "S", "I", "UG"))
        # invert I = UG * (x * (GS * x + GI) + S * vdd + I) for x, then x for the ADC code
        y = amps / ug - (slope * vdd_mv / 1000 + icpt)
        x = y / gi if gs == 0 else (-gi + np.sqrt(np.maximum(gi * gi + 4 * gs * y, 0))) / (2 * gs)
        code = np.rint((x * res / P.ADC_MULT + off) / 4).astype(np.int64)
        fits = (rng < 0) & (code >= 0) & (code <= int(0.9 * 0x3FFF))
        if r == P.RANGES - 1:
            fits = rng < 0
        adc14[fits] = np.clip(code[fits], 0, 0x3FFF)
        rng[fits] = r
    counter = (np.arange(n) + counter0) & P.COUNTER_MASK
    words = (adc14 | (rng << 14) | (counter << 18) | (np.asarray(logic, dtype=np.int64) << 24)).astype("<u4")
    return words.tobytes()


class PPK2StandIn:
    """A PPK2 on socket://127.0.0.1:<port> (port chosen free). close() stops its thread.

    duration_s of trace; n_windows inference windows of window_ms (a (lo, hi) range,
    drawn with the seed) spread over it; sleep_ua / active_ua with noise_frac noise."""

    def __init__(
        self,
        seed: int = 0,
        *,
        duration_s: float = 0.5,
        n_windows: int = 8,
        window_ms: tuple[float, float] = (5.0, 15.0),
        sleep_ua: float = 800.0,
        active_ua: float = 40_000.0,
        noise_frac: float = 0.01,
        metadata: dict[str, str] | None = None,
        raw_metadata: bytes | None = None,
        realtime: bool = False,
    ):
        self.metadata = dict(DEFAULT_METADATA if metadata is None else metadata)
        self._meta_bytes = raw_metadata if raw_metadata is not None else metadata_text(self.metadata)
        self.realtime = realtime
        self.vdd_mv = 3300
        self.power_mode = None
        self.dut_on = False
        self.commands: list[bytes] = []

        rng = np.random.default_rng(seed)
        n = int(round(duration_s * P.SAMPLE_RATE_HZ))
        slot = n // n_windows
        logic = np.zeros(n, dtype=np.uint8)
        self.true_windows: list[tuple[int, int]] = []
        for k in range(n_windows):
            length = int(rng.uniform(*window_ms) * P.SAMPLE_RATE_HZ / 1000)
            start = k * slot + int(rng.integers(slot // 10, max(slot // 10 + 1, slot - length - slot // 10)))
            self.true_windows.append((start, start + length))
            logic[start : start + length] |= 1
        level = np.where(logic & 1, active_ua, sleep_ua)
        self.true_current_ua = level * (1 + noise_frac * rng.standard_normal(n))
        self.logic = logic

        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self.url = f"socket://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._streaming = threading.Event()
        self.sent_all = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"ppk2-standin-{self.port}", daemon=True)
        self._thread.start()

    # -- ground truth ------------------------------------------------------------

    def modifiers(self) -> dict[str, tuple[float, ...]]:
        return P.parse_metadata(self._meta_bytes.decode("ascii", "replace")).modifiers

    def true_window_energy_uj(self, supply_v: float) -> list[float]:
        dt = 1.0 / P.SAMPLE_RATE_HZ
        return [float(self.true_current_ua[s:e].sum() * supply_v * dt) for s, e in self.true_windows]

    # -- serving -----------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (socket.timeout, OSError):
                continue
            with conn:
                conn.settimeout(0.01)
                self._session(conn)

    def _session(self, conn: socket.socket) -> None:
        pending = b""
        stream: bytes | None = None
        pos = 0
        chunk = 4 * 1000  # 10 ms of samples
        while not self._stop.is_set():
            try:
                data = conn.recv(4096)
                if not data:
                    return
                pending += data
            except socket.timeout:
                pass
            except OSError:
                return
            while pending:
                cmd = pending[0]
                need = {P.SET_POWER_MODE: 2, P.REGULATOR_SET: 3, P.DEVICE_RUNNING_SET: 2}.get(cmd, 1)
                if len(pending) < need:
                    break
                frame, pending = pending[:need], pending[need:]
                self.commands.append(frame)
                if cmd == P.GET_META_DATA:
                    conn.sendall(self._meta_bytes)
                elif cmd == P.SET_POWER_MODE:
                    self.power_mode = frame[1]
                elif cmd == P.REGULATOR_SET:
                    self.vdd_mv = frame[1] << 8 | frame[2]
                elif cmd == P.DEVICE_RUNNING_SET:
                    self.dut_on = bool(frame[1])
                elif cmd == P.AVERAGE_START:
                    stream = encode(self.true_current_ua, self.logic, self.modifiers(), self.vdd_mv)
                    pos = 0
                    self.sent_all.clear()
                elif cmd == P.AVERAGE_STOP:
                    stream = None
            if stream is not None:
                if pos >= len(stream):
                    self.sent_all.set()
                    continue
                try:
                    conn.sendall(stream[pos : pos + chunk])
                except OSError:
                    return
                pos += chunk
                if self.realtime:
                    self._stop.wait(chunk / 4 / P.SAMPLE_RATE_HZ)

    def alive(self) -> bool:
        return self._thread.is_alive()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
