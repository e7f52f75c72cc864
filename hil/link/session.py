"""Request/response sessions over a framed link, with retries and timeouts.

Every request carries a sequence number; the board answers a repeated sequence
number from its saved reply without running the request again, so a retry is
always safe. The host retries on silence and on the board's "your frame was
corrupted" reply, and gives up with a LinkError that says what it waited for."""

from __future__ import annotations

import itertools
import os
import struct
import time
import zlib
from dataclasses import dataclass, field

import serial

from hil.errors import BoardResetError, ConfigError, DeviceError, LinkError
from hil.link import framing
from hil.link.protocol import (
    MAX_PAYLOAD,
    PROTO_VERSION,
    RESET_CAUSES,
    SEQ_NONE,
    TYPE_EVENT,
    TYPE_REPLY,
    BoardInfo,
    Cmd,
    Event,
    Status,
    cmd_name,
    parse_stream_hops,
    stream_record_bytes,
    reply_type,
    stream_reason,
)
from hil.link.slot import parse_model_info
from hil.link.transport import Port, open_url, silent_link_hint

# Slowest link we serve: a real ST-LINK VCP carries ~11 KiB/s; allow half that.
_LINK_FLOOR_BYTES_PER_S = 5_000


@dataclass
class LinkCounters:
    """What the host saw on the wire; tests and `hil bench link` read these."""

    requests: int = 0
    retransmits: int = 0
    corrupt_frames: int = 0
    stale_frames: int = 0
    board_reported_errors: int = 0
    received_bytes: int = 0
    events: list = field(default_factory=list)


class _Retransmit(Exception):
    """The board said our frame arrived damaged: send it again now."""


class Session:
    """One open link to a board. Use `Session.connect(url)`."""

    def __init__(self, port: Port, url: str, timeout_s: float = 1.0, tries: int = 4):
        self.port = port
        self.url = url
        self.timeout_s = timeout_s
        self.tries = tries
        self.counters = LinkCounters()
        self.board_info: BoardInfo | None = None
        self._reader = framing.FrameReader()
        self._pending: list = []
        self._seq = itertools.count(int.from_bytes(os.urandom(2), "little") % SEQ_NONE)
        self.stream_exits = False  # the running stream has an exit block: hops report the exit taken

    @classmethod
    def connect(
        cls, url: str, expect_boot: bool = False, boot_timeout_s: float = 15.0, baud: int = 115200, **kw
    ) -> "Session":
        """Open url and shake hands; with expect_boot, first wait for the BOOT event."""
        port = open_url(url, baud)
        session = cls(port, url, **kw)
        try:
            if expect_boot:
                session.wait_boot(boot_timeout_s)
            session.hello()
        except BaseException:
            session.close()
            raise
        return session

    def close(self) -> None:
        try:
            self.port.close()
        except (OSError, serial.SerialException):
            pass

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- receiving -------------------------------------------------------

    def _next_frame(self, deadline: float) -> framing.Frame | None:
        """The next good frame before the deadline, or None."""
        while True:
            while self._pending:
                item = self._pending.pop(0)
                if isinstance(item, framing.FrameError):
                    self.counters.corrupt_frames += 1
                    continue
                return item
            if time.monotonic() >= deadline:
                return None
            try:
                data = self.port.read_available(min(0.05, deadline - time.monotonic()))
            except (serial.SerialException, OSError) as exc:
                raise LinkError(f"link to {self.url} failed: {exc}") from None
            if data:
                self.counters.received_bytes += len(data)
                self._pending.extend(self._reader.feed(data))

    def _boot_cause(self, frame: framing.Frame) -> str | None:
        """The reset cause if frame is a BOOT event (recorded in the counters), else None."""
        if frame.type != TYPE_EVENT | Event.BOOT:
            return None
        cause = RESET_CAUSES.get(frame.payload[0] if frame.payload else 0, "unknown")
        self.counters.events.append(("boot", cause))
        return cause

    def wait_boot(self, timeout_s: float) -> str:
        """Wait for the BOOT event a board sends after every reset; returns the reset cause."""
        deadline = time.monotonic() + timeout_s
        while (frame := self._next_frame(deadline)) is not None:
            if (cause := self._boot_cause(frame)) is not None:
                return cause
        raise LinkError(f"board on {self.url} did not boot within {timeout_s:.0f} s (no BOOT event)")

    def _await_reply(self, cmd: Cmd, seq: int, deadline: float) -> framing.Frame | None:
        while (frame := self._next_frame(deadline)) is not None:
            if (cause := self._boot_cause(frame)) is not None:
                if cmd == Cmd.HELLO:  # met a board still booting: it may have missed the request
                    raise _Retransmit()
                raise BoardResetError(
                    f"board on {self.url} reset ({cause}) while answering {cmd_name(cmd)}", reset_cause=cause
                )
            if frame.seq == SEQ_NONE and frame.type == TYPE_REPLY | Cmd.NONE:
                self.counters.board_reported_errors += 1
                raise _Retransmit()
            if frame.seq == seq and frame.type == reply_type(cmd):
                return frame
            self.counters.stale_frames += 1
        return None

    # --- requests --------------------------------------------------------

    def exchange(self, cmd: Cmd, payload: bytes = b"", reply_bytes: int = 0, retry: bool = True) -> framing.Frame:
        """Send one request and return the board's reply frame, whatever its status."""
        seq = next(self._seq) % SEQ_NONE
        wire = b"\x00" + framing.encode(framing.Frame(cmd, 0, seq, payload))
        timeout_s = self.timeout_s + (len(payload) + reply_bytes) / _LINK_FLOOR_BYTES_PER_S
        tries = self.tries if retry else 1
        self.counters.requests += 1
        for attempt in range(tries):
            if attempt:
                self.counters.retransmits += 1
            try:
                self.port.write(wire)
                reply = self._await_reply(cmd, seq, time.monotonic() + timeout_s)
            except _Retransmit:
                continue
            except (serial.SerialException, OSError) as exc:
                raise LinkError(f"link to {self.url} failed: {exc}") from None
            if reply is not None:
                return reply
        silence = f"no reply to {cmd_name(cmd)} from {self.url} after {tries} tries of {timeout_s:.1f} s"
        raise LinkError(silence + ("" if self.counters.received_bytes else silent_link_hint(self.port)))

    def request(self, cmd: Cmd, payload: bytes = b"", reply_bytes: int = 0, retry: bool = True) -> bytes:
        """Like exchange, but a status other than OK raises DeviceError."""
        reply = self.exchange(cmd, payload, reply_bytes, retry)
        if reply.status != Status.OK:
            raise DeviceError(
                f"board on {self.url} answered {cmd_name(cmd)} with {Status.describe(reply.status)}",
                status=reply.status,
                payload=reply.payload,
            )
        return reply.payload

    # --- commands --------------------------------------------------------

    def hello(self) -> BoardInfo:
        major, minor = PROTO_VERSION
        reply = self.exchange(Cmd.HELLO, struct.pack("<H", major << 8 | minor))
        info = BoardInfo.parse(reply.payload)
        if reply.status == Status.VERSION:
            raise ConfigError(
                f"board on {self.url} speaks protocol {info.protocol_version}, this hil speaks "
                f"{major}.{minor}: flash matching firmware with `hil flash`"
            )
        if reply.status != Status.OK:
            raise DeviceError(f"board on {self.url} refused HELLO: {Status.describe(reply.status)}", reply.status)
        self.board_info = info
        return info

    def info(self) -> BoardInfo:
        return BoardInfo.parse(self.request(Cmd.INFO), with_stats=True)

    def echo(self, data: bytes) -> bytes:
        return self.request(Cmd.ECHO, data, reply_bytes=len(data))

    def sink(self, data: bytes) -> int:
        return struct.unpack("<I", self.request(Cmd.SINK, data))[0]

    def source(self, n: int) -> bytes:
        return self.request(Cmd.SOURCE, struct.pack("<H", n), reply_bytes=n)

    def spin(self, steps: int) -> int:
        """Counter delta of an n-step loop on the board (counter calibration)."""
        return struct.unpack("<I", self.request(Cmd.SPIN, struct.pack("<I", steps)))[0]

    def reset(self, boot_timeout_s: float = 15.0) -> str:
        """Reset the board, wait for it to boot and shake hands again; returns the reset cause."""
        self.request(Cmd.RESET, retry=False)
        cause = self.wait_boot(boot_timeout_s)
        self.hello()
        return cause

    @property
    def max_payload(self) -> int:
        return self.board_info.max_payload_bytes if self.board_info else MAX_PAYLOAD

    def upload_model(self, blob: bytes) -> int:
        """Upload a model blob in chunks; returns the CRC-32 the board computed."""
        try:
            self.request(Cmd.MODEL_BEGIN, struct.pack("<II", len(blob), zlib.crc32(blob)))
        except DeviceError as exc:
            if exc.status == Status.NO_SPACE:
                (room,) = struct.unpack("<I", exc.payload[:4])
                raise DeviceError(
                    f"model of {len(blob):,} B does not fit the {room:,} B of model RAM on {self.url}",
                    exc.status,
                ) from None
            raise
        step = self.max_payload - 4
        for offset in range(0, len(blob), step):
            self.request(Cmd.MODEL_CHUNK, struct.pack("<I", offset) + blob[offset : offset + step])
        return struct.unpack("<I", self.request(Cmd.MODEL_END))[0]

    def invoke(self, inputs: bytes, reference: bool = False, reply_bytes: int = 0) -> tuple[int, bytes]:
        """Run the loaded model once: (counter delta of the run, output bytes)."""
        payload = self.request(Cmd.INVOKE, bytes([1 if reference else 0]) + inputs, reply_bytes=reply_bytes)
        return struct.unpack_from("<I", payload)[0], payload[4:]

    def profile(self) -> tuple[int, list[dict]]:
        """Per-operator counter deltas of the last invoke: (total, [{index, code, cycles}])."""
        payload = self.request(Cmd.PROFILE)
        n, _, total = struct.unpack_from("<HHI", payload)
        ops = [dict(zip(("index", "code", "cycles"), struct.unpack_from("<HBxI", payload, 8 + 8 * i))) for i in range(n)]
        return total, ops

    def model_info(self) -> dict:
        """The current model (state, size_bytes, crc32, received_bytes, in: ram or flash) and the flash slot's
        report (slot: state none/blank/valid/bad, status, slot_bytes, size_bytes, crc32, check_cycles)."""
        return parse_model_info(self.request(Cmd.MODEL_INFO))

    def stream_begin(self, config: bytes) -> int:
        """Start the speech-enhancement stream on the loaded model (STREAM_BEGIN payload, e.g.
        hil.dsp.config.StreamConfig.pack()); returns the most hops one stream_hops may carry."""
        config = bytes(config)
        self.stream_exits = len(config) > 32 + 20 * (config[2] if len(config) > 2 else 0)  # the 1.4 exit block
        reply = self.exchange(Cmd.STREAM_BEGIN, config)
        if reply.status == Status.BAD_ARG:
            raise DeviceError(f"board on {self.url} refused the stream configuration: {stream_reason(reply.payload)}",
                              reply.status, reply.payload)  # fmt: skip
        if reply.status != Status.OK:
            raise DeviceError(f"board on {self.url} answered STREAM_BEGIN with {Status.describe(reply.status)}",
                              reply.status, reply.payload)  # fmt: skip
        return struct.unpack("<H", reply.payload)[0]

    def stream_hops(self, pcm):
        """Stream k hops (k x hop int16, the hop of the stream's chain) through the board's chain:
        (stage counts (k, 5), output (k, hop)), and with exits the exit each hop took (k,)."""
        import numpy as np

        hops = np.ascontiguousarray(pcm, dtype="<i2")
        if hops.ndim != 2:
            raise ConfigError(f"stream_hops: wanted (hops, hop samples) int16, got shape {hops.shape}")
        reply_bytes = len(hops) * stream_record_bytes(hops.shape[1], self.stream_exits)
        reply = self.exchange(Cmd.STREAM_HOPS, hops.tobytes(), reply_bytes=reply_bytes)
        if reply.status == Status.STATE:
            raise DeviceError(f"board on {self.url} has no stream: STREAM_BEGIN first (a new model ends a stream)",
                              reply.status)  # fmt: skip
        if reply.status != Status.OK:
            raise DeviceError(f"board on {self.url} answered STREAM_HOPS with {Status.describe(reply.status)}",
                              reply.status, reply.payload)  # fmt: skip
        return parse_stream_hops(reply.payload, len(hops), hops.shape[1], self.stream_exits)
