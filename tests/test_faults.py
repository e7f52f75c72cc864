"""Fault injection: damaged frames in both directions, garbage, a dying emulator.

The board must answer or drop every bad frame, keep going, and the host must
recover by retrying or fail with one clear LinkError, never hang."""

import random
import struct
import threading
import time
import zlib

import pytest

from hil.boards import get_board
from hil.errors import LinkError
from hil.link import framing
from hil.link.protocol import MAX_PAYLOAD, TYPE_REPLY, Cmd, Status
from hil.targets.qemu import Emulator
from tests.conftest import EMULATED_BOARDS, build_firmware


def _frame(cmd, seq, payload=b""):
    return framing.encode(framing.Frame(cmd, 0, seq, payload))


def _error_replies(session, n, timeout_s=5.0):
    """Collect n frame-error replies (seq 0xFFFF) from the board."""
    deadline = time.monotonic() + timeout_s
    got = []
    while len(got) < n and (f := session._next_frame(deadline)) is not None:
        if f.type == TYPE_REPLY | Cmd.NONE:
            got.append(Status(f.status))
    return got


def test_random_bit_flips_are_rejected_and_board_keeps_answering(session):
    rng = random.Random(7)
    flipped = 0
    for i in range(40):
        wire = bytearray(_frame(Cmd.ECHO, 100 + i, rng.randbytes(rng.randrange(1, 600))))
        pos = rng.randrange(len(wire) - 1)
        wire[pos] ^= 1 << rng.randrange(8)
        if wire[pos] == 0:
            continue  # became a delimiter: covered by the truncation test
        session.port.write(b"\x00" + bytes(wire))
        flipped += 1
        assert _error_replies(session, 1) in ([Status.CRC], [Status.FRAME])
        assert session.echo(b"ok %d" % i) == b"ok %d" % i
    stats = session.info().stats
    assert stats["crc_errors"] + stats["frame_errors"] == flipped


def test_truncated_frames_get_error_replies(session):
    wire = _frame(Cmd.ECHO, 5, b"a truncated request")
    for cut in (1, 3, 8, len(wire) - 2):
        session.port.write(wire[:cut] + b"\x00")
        assert _error_replies(session, 1) in ([Status.FRAME], [Status.CRC])
    assert session.echo(b"next") == b"next"


def test_garbage_between_frames(session):
    rng = random.Random(11)
    for i in range(20):
        session.port.write(rng.randbytes(rng.randrange(1, 300)))
        assert session.echo(b"%d" % i) == b"%d" % i  # leading 0x00 of each request resynchronises


def test_oversized_frame_is_refused(session):
    session.port.write(b"\x00" + b"\x01" * (MAX_PAYLOAD + 200) + b"\x00")
    assert _error_replies(session, 1) == [Status.TOO_LONG]
    session.port.write(b"\x00" + b"\x55" * 20_000 + b"\x00")  # far past the receive buffer
    assert _error_replies(session, 1) == [Status.TOO_LONG]
    assert session.echo(b"fine") == b"fine"
    assert session.info().stats["too_long_errors"] == 2


class CorruptingPort:
    """Wraps a port: damages byte 5 of each of the first `writes` writes after the first `skip` ones, and
    byte `read_at` of the incoming stream (however it is split into reads) once if `read`."""

    def __init__(self, port, writes=0, read=False, skip=0, read_at=5):
        self._port, self.writes, self.read, self.skip, self.read_at, self._seen = port, writes, read, skip, read_at, 0

    @staticmethod
    def _flip(byte):
        return byte ^ 0x10 or 0x01  # never make a delimiter

    def write(self, data):
        if self.skip > 0:
            self.skip -= 1
        elif self.writes > 0 and len(data) > 6:
            self.writes -= 1
            data = data[:5] + bytes([self._flip(data[5])]) + data[6:]
        self._port.write(data)

    def read_available(self, timeout_s):
        data = self._port.read_available(timeout_s)
        if self.read and self._seen <= self.read_at < self._seen + len(data):
            i = self.read_at - self._seen
            data = data[:i] + bytes([self._flip(data[i])]) + data[i + 1 :]
            self.read = False
        self._seen += len(data)
        return data

    def __getattr__(self, name):
        return getattr(self._port, name)


def test_host_retransmits_after_board_reports_damage(session):
    session.port = CorruptingPort(session.port, writes=2)
    assert session.echo(b"x" * 100) == b"x" * 100
    assert session.counters.retransmits == 2
    assert session.counters.board_reported_errors == 2


def test_damaged_reply_is_retried_without_rerunning_the_request(session):
    blob = bytes(range(200)) * 10
    session.request(Cmd.MODEL_BEGIN, struct.pack("<II", len(blob), zlib.crc32(blob)))
    session.timeout_s = 0.3
    session.port = CorruptingPort(session.port, read=True)
    assert session.request(Cmd.MODEL_CHUNK, struct.pack("<I", 0) + blob) == struct.pack("<I", len(blob))
    assert session.counters.retransmits == 1 and session.counters.corrupt_frames >= 1
    session.port = session.port._port
    assert session.model_info()["received_bytes"] == len(blob)  # the chunk was written once
    assert session.info().stats["duplicate_requests"] == 1


def test_silent_board_gives_link_error_after_retries(session):
    session.timeout_s, session.tries = 0.2, 3

    class Deaf:
        def write(self, data):
            pass

        def read_available(self, timeout_s):
            time.sleep(timeout_s)
            return b""

    real = session.port
    session.port = Deaf()
    t0 = time.monotonic()
    with pytest.raises(LinkError, match=r"no reply to ECHO from .* after 3 tries"):
        session.echo(b"anyone?")
    assert time.monotonic() - t0 < 5
    session.port = real


def _kill_during(session, emulator, requests):
    killer = threading.Timer(0.3, emulator.proc.kill)
    killer.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(LinkError) as err:
            for _ in range(requests):
                session.source(MAX_PAYLOAD)
    finally:
        killer.cancel()
    return err.value, time.monotonic() - t0


@pytest.mark.parametrize("board", EMULATED_BOARDS)
def test_emulator_killed_mid_request_is_a_link_error(board):
    with Emulator(get_board(board), build_firmware(board)) as emulator:
        session = emulator.connect(expect_boot=True)
        session.timeout_s, session.tries = 0.5, 2
        error, elapsed = _kill_during(session, emulator, requests=100_000)
        session.close()
    assert "socket://127.0.0.1" in str(error)
    assert elapsed < 10  # no hang: it failed as soon as the socket closed
    assert emulator.proc.poll() is not None


def test_board_reset_during_request_is_reported_not_hung(session):
    from hil.errors import BoardResetError

    session.port.write(b"\x00" + _frame(Cmd.RESET, 777))  # someone else resets the board
    t0 = time.monotonic()
    with pytest.raises(BoardResetError, match="reset \\(software\\) while answering ECHO") as err:
        session.echo(b"are you there?")
    assert err.value.reset_cause == "software" and time.monotonic() - t0 < 5
    session.hello()
    assert session.echo(b"back") == b"back"
