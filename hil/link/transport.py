"""Transports chosen by URL through pyserial: /dev/tty*, socket://, rfc2217://, loop://."""

from __future__ import annotations

import select
import socket
import time
from pathlib import Path

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

    @property
    def tcp_socket(self) -> socket.socket | None:
        """The TCP socket behind a socket:// port, else None."""
        return getattr(self.raw, "_socket", None)

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
    opened = Port(port)
    if opened.tcp_socket is not None:  # without TCP_NODELAY every round trip waits ~40 ms
        opened.tcp_socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return opened


def _accepted_by_server(server_port: int) -> dict[int, bool]:
    """The established connections to a TCP server on this machine, by client port: whether the server
    accepted each (Linux /proc/net/tcp: a connection still in the listen queue has no inode yet)."""
    out = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local_port, peer_port = (int(addr.rsplit(":", 1)[1], 16) for addr in fields[1:3])
            if fields[3] == "01" and local_port == server_port:  # 01: ESTABLISHED
                out[peer_port] = fields[9] != "0"
    return out


def silent_link_hint(port: Port) -> str:
    """Why a socket:// link that accepted us may never have answered, as a suffix for a no-reply error.

    An emulator's or the host build's socket serves one client at a time: the kernel completes every
    other client's connection and queues its bytes, but the board never sees them until the first client
    leaves. On this machine /proc/net/tcp tells whether that is so; elsewhere the hint says it may be."""
    sock = port.tcp_socket
    if sock is None:
        return ""
    try:
        ours, server = sock.getsockname()[1], sock.getpeername()
    except OSError:
        return ""
    accepted = _accepted_by_server(server[1]) if server[0] in ("127.0.0.1", "::1") else {}
    if accepted.get(ours) is False and any(v for k, v in accepted.items() if k != ours):
        return (f": the board's link is held by another client (port {server[1]} serves one client at a time "
                "and has not taken this connection); close the other client first")
    return ": the socket accepted the connection but the board never sent a byte; another client may hold its link"
