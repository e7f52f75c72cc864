"""Protocol round trips against the host build and the emulated boards (NUCLEO-F446RE, ESP32-C3 core)."""

import random
import struct
import zlib

import pytest

from hil.boards import get_board
from hil.errors import ConfigError, DeviceError, LinkError
from hil.link.protocol import MAX_PAYLOAD, TYPE_REPLY, Cmd, Status
from hil.targets.limits import model_limits
from tests.conftest import EMULATED_BOARDS, EMULATED_COUNTERS
from tests.graphs import mlp_model

FPU = {"qemu-f446": True, "qemu-rv32": False}  # the F446 has one; the C3 (rv32imc) runs soft float


def test_hello_reports_board(session):
    info = session.board_info
    assert info.protocol_version == "1.4"
    assert info.firmware_version == "0.1.0"
    assert info.max_payload_bytes == MAX_PAYLOAD
    assert info.reset_cause == "power-on"
    if info.board_id in EMULATED_BOARDS:  # the figures of the board it stands in for (boards/<id>.yaml)
        board = get_board(info.board_id)
        assert (info.clock_hz, info.flash_bytes, info.ram_bytes) == (board.clock_hz, board.flash_bytes, board.ram_bytes)
        assert info.counter == EMULATED_COUNTERS[info.board_id]  # instructions under -icount, labelled as such
        assert info.fpu is FPU[info.board_id]
        assert 64 * 1024 <= info.model_ram_bytes < board.ram_bytes
    else:
        assert (info.board_id, info.counter) == ("host", "host-ns")


@pytest.mark.parametrize("size", [0, 1, 253, 254, 255, 1000, MAX_PAYLOAD])
def test_echo_sizes(session, size):
    data = random.Random(size).randbytes(size)
    assert session.echo(data) == data


def test_echo_zeros_and_ones(session):
    for data in (b"\x00" * MAX_PAYLOAD, b"\xff" * MAX_PAYLOAD, b"\x00\xff" * 700):
        assert session.echo(data) == data


def test_sink_and_source(session):
    assert session.sink(b"\x07" * 3000) == 3000
    assert session.source(MAX_PAYLOAD) == bytes((i * 31 + 7) & 0xFF for i in range(MAX_PAYLOAD))
    with pytest.raises(DeviceError, match="answered SOURCE with bad_arg"):
        session.source(MAX_PAYLOAD + 1)


def test_info_counts_frames(session):
    before = session.info().stats["frames_ok"]
    for _ in range(5):
        session.echo(b"x")
    assert session.info().stats["frames_ok"] == before + 6


def test_unknown_command_is_an_error_reply(session):
    reply = session.exchange(0x55)
    assert reply.status == Status.UNKNOWN_CMD
    assert session.info().stats["unknown_cmds"] == 1
    assert session.echo(b"still here") == b"still here"


def test_a_frame_that_is_not_a_request_gets_an_error_reply_never_an_event(session):
    """Replies are request | 0x80 and events 0xC0..0xFF, so requests are 0x00..0x3F; any other type gets NONE's
    reply type with unknown_cmd and the frame's seq (0xC1 and 0x41 once came back as 0xC1, the BOOT event)."""
    boots = list(session.counters.events)
    for kind in (0xC1, 0x41, 0x81, 0x7F, 0xFF):
        reply = session.exchange(kind)
        assert (reply.type, reply.status) == (TYPE_REPLY | Cmd.NONE, Status.UNKNOWN_CMD), hex(kind)
    assert session.counters.events == boots  # no reply was taken for a BOOT event
    assert session.info().stats["unknown_cmds"] == 5
    assert session.echo(b"still here") == b"still here"


def test_hello_with_wrong_major_version(session):
    reply = session.exchange(Cmd.HELLO, struct.pack("<H", 0x0900))
    assert reply.status == Status.VERSION
    reply = session.exchange(Cmd.HELLO, b"\x01")  # malformed
    assert reply.status == Status.BAD_ARG


def test_version_mismatch_is_one_clear_error(session, monkeypatch):
    monkeypatch.setattr("hil.link.session.PROTO_VERSION", (2, 0))
    with pytest.raises(ConfigError, match=r"speaks protocol 1\.4, this hil speaks 2\.0"):
        session.hello()


def test_reset_reboots_and_reports_cause(session):
    session.upload_model(mlp_model().blob)
    assert session.model_info()["state"] == "loaded"
    assert session.reset() == "software"
    assert session.board_info.reset_cause == "software"
    assert session.model_info()["state"] == "none"  # RAM state is gone, as after a real reset
    assert session.echo(b"after reset") == b"after reset"


def test_model_upload_round_trip(session):
    blob = mlp_model((256, 160, 10)).blob  # about 44 KiB: a dozen chunks
    assert session.upload_model(blob) == zlib.crc32(blob)
    info = session.model_info()
    size = len(blob)
    assert {k: info[k] for k in ("state", "size_bytes", "crc32", "received_bytes", "in")} == \
        {"state": "loaded", "size_bytes": size, "crc32": zlib.crc32(blob), "received_bytes": size, "in": "ram"}
    has_slot = model_limits(get_board(session.board_info.board_id)).slot_bytes > 0  # qemu-rv32 (the C3) has none
    assert info["slot"]["state"] == ("blank" if has_slot else "none")  # the slot is no part of an upload


def test_bytes_that_are_not_a_model_are_rejected(session):
    blob = random.Random(3).randbytes(50_000)
    with pytest.raises(DeviceError, match="answered MODEL_END with bad_model"):
        session.upload_model(blob)
    assert session.model_info()["state"] == "rejected"
    assert session.exchange(Cmd.INVOKE, b"\x00" * 41).status == Status.NO_MODEL


def test_model_too_big_is_refused_with_both_sizes(session):
    room = session.board_info.model_ram_bytes
    with pytest.raises(DeviceError, match=rf"model of {room + 1:,} B does not fit the {room:,} B of model RAM"):
        session.upload_model(b"\x00" * (room + 1))


def test_model_upload_errors(session):
    blob = b"\x42" * 9000
    session.request(Cmd.MODEL_BEGIN, struct.pack("<II", len(blob), zlib.crc32(blob)))
    reply = session.exchange(Cmd.MODEL_CHUNK, struct.pack("<I", 100) + blob[:100])  # out of order
    assert reply.status == Status.STATE and struct.unpack("<I", reply.payload) == (0,)
    assert session.exchange(Cmd.MODEL_END).status == Status.STATE  # incomplete
    session.request(Cmd.MODEL_CHUNK, struct.pack("<I", 0) + blob[:4000])
    reply = session.exchange(Cmd.MODEL_CHUNK, struct.pack("<I", 4000) + blob[:4090])
    assert reply.status == Status.OK  # in order and within the declared size
    session.request(Cmd.MODEL_BEGIN, struct.pack("<II", len(blob), zlib.crc32(blob) ^ 1))  # wrong CRC
    for off in range(0, len(blob), 4000):
        session.request(Cmd.MODEL_CHUNK, struct.pack("<I", off) + blob[off : off + 4000])
    reply = session.exchange(Cmd.MODEL_END)
    assert reply.status == Status.BAD_MODEL
    assert struct.unpack("<I", reply.payload) == (zlib.crc32(blob),)
    assert session.model_info()["state"] == "rejected"


def test_chunk_past_declared_size_is_refused(session):
    session.request(Cmd.MODEL_BEGIN, struct.pack("<II", 10, 0))
    assert session.exchange(Cmd.MODEL_CHUNK, struct.pack("<I", 0) + b"x" * 11).status == Status.BAD_ARG
    assert session.exchange(Cmd.MODEL_CHUNK, b"\x00").status == Status.BAD_ARG


def test_invoke_checks_model_and_input_size(session):
    assert session.exchange(Cmd.INVOKE, b"\x00" * 41).status == Status.NO_MODEL
    assert session.exchange(Cmd.PROFILE).status == Status.NO_MODEL
    session.upload_model(mlp_model().blob)
    assert session.exchange(Cmd.INVOKE, b"\x00" * 40).status == Status.BAD_ARG  # 39 input bytes: one short
    assert session.exchange(Cmd.INVOKE, b"").status == Status.BAD_ARG
    cycles, out = session.invoke(bytes(40))
    assert len(out) == 10 and cycles > 0


def test_repeated_sequence_number_is_answered_not_rerun(session):
    """A retry must not run a request twice: resend one MODEL_CHUNK with the same seq."""
    from hil.link import framing

    session.request(Cmd.MODEL_BEGIN, struct.pack("<II", 8, 0))
    wire = framing.encode(framing.Frame(Cmd.MODEL_CHUNK, 0, 4242, struct.pack("<I", 0) + b"abcd"))
    replies = []
    for _ in range(3):
        session.port.write(wire)
        replies.append(session._await_reply(Cmd.MODEL_CHUNK, 4242, deadline=__import__("time").monotonic() + 5))
    assert all(r.status == Status.OK and r.payload == struct.pack("<I", 4) for r in replies)
    assert session.model_info()["received_bytes"] == 4
    assert session.info().stats["duplicate_requests"] == 2


@pytest.mark.parametrize("board", EMULATED_BOARDS)
def test_spin_counter_is_exact_on_the_emulator(board):
    """Under -icount shift=0 the counter (TIM2; mcycle) counts instructions: the loop cost is exactly linear and
    repeatable."""
    from tests.conftest import build_firmware, open_board

    build_firmware(board)
    with open_board(board) as session:
        assert session.board_info.counter == EMULATED_COUNTERS[board]
        a, b, c = (session.spin(n) for n in (1000, 2000, 4000))
        assert b - a == (c - b) / 2 > 0
        assert session.spin(1000) == a
        assert session.exchange(Cmd.SPIN, struct.pack("<I", 10_000_001)).status == Status.BAD_ARG
    with open_board(board) as session:  # and identical after a fresh boot
        assert session.spin(1000) == a


def test_a_second_client_of_a_busy_emulator_is_told_another_client_holds_the_link(stm32_elf):
    """QEMU's socket serves one client: a second one connects (the kernel queues it) and hears nothing until
    the first leaves, so its HELLO times out; the error must say why, not only "no reply to HELLO"."""
    from hil.boards import get_board
    from hil.link.session import Session
    from hil.targets.qemu import Emulator

    with Emulator(get_board("qemu-f446"), stm32_elf, wait_for_client=False) as emulator:
        first = emulator.connect(expect_boot=False)
        with pytest.raises(LinkError) as err:
            Session.connect(emulator.url, timeout_s=0.3, tries=2)
        message = str(err.value)
        assert message.startswith(f"no reply to HELLO from {emulator.url} after 2 tries") and "\n" not in message
        assert "the board's link is held by another client" in message
        assert first.echo(b"first") == b"first"
        first.close()
        with Session.connect(emulator.url) as second:  # served once the first client has gone
            assert second.echo(b"second") == b"second"
