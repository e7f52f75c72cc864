"""Transports chosen by URL through pyserial: /dev/tty*, socket://, rfc2217://, loop://."""

from __future__ import annotations

import select
import socket
import time

import serial

from hil.errors import LinkError


class Port:
    """A pyserial port with one read primitive: wait up to timeout, then take
    everything that has arrived. (pyserial's socket in_waiting says at most 1,
    which would make a byte-at-a-time reader.)"""

    def __init__(self, port: serial.SerialBase):
        self.raw = port
        try:
            self._fd = port.fileno()
        except (AttributeError, NotImplementedError, serial.SerialException):
            self._fd = None  # rfc2217://, loop://: no descriptor; their in_waiting is exact
        port.timeout = 0 if self._fd is not None else 0.02

    def read_available(self, timeout_s: float) -> bytes:
        if self._fd is None:
            return self.raw.read(max(1, self.raw.in_waiting))
        ready, _, _ = select.select([self._fd], [], [], max(0.0, timeout_s))
        if not ready:
            return b""
        data = self.raw.read(65536)
        if not data and isinstance(self.raw, serial.Serial):
            raise serial.SerialException("device reports readiness to read but returned no data")
        return data

    def write(self, data: bytes) -> None:
        self.raw.write(data)

    def close(self) -> None:
        self.raw.close()


def open_url(url: str, baud: int = 115200, connect_timeout_s: float = 5.0) -> Port:
    """Open the port behind url; a socket that is not up yet is retried until the timeout."""
    deadline = time.monotonic() + connect_timeout_s
    while True:
        try:
            port = serial.serial_for_url(url, baudrate=baud, timeout=0, write_timeout=10, do_not_open=True)
            if url.startswith("socket://"):
                # pyserial's socket open() flushes input, which would eat the BOOT
                # event a board sends the moment a client connects.
                port.reset_input_buffer = lambda: None
            port.open()
            vars(port).pop("reset_input_buffer", None)
            break
        except (serial.SerialException, ValueError, OSError) as exc:
            retriable = url.startswith(("socket://", "rfc2217://")) and "refused" in str(exc).lower()
            if not retriable or time.monotonic() > deadline:
                raise LinkError(f"cannot open {url}: {exc}") from None
            time.sleep(0.05)
    sock = getattr(port, "_socket", None)
    if sock is not None:  # without TCP_NODELAY every round trip waits ~40 ms
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return Port(port)
