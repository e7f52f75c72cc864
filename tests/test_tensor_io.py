"""Inputs and outputs larger than a frame (hil.link.tensors; firmware src/proto/tensor_io.c, rules in proto.h):
staged in pieces, run, read in pieces, bit-exact with the simulator and TFLM on the host build and the
emulated board; damaged pieces are retried without running anything twice; bad offsets and an invoke after
a partial write are refused and the board keeps answering."""

import json
import struct
import time
from functools import cache
from types import SimpleNamespace

import numpy as np
import pytest

from hil import cli
from hil.compile import synth
from hil.compile.compiler import compile_graph
from hil.errors import ConfigError, DeviceError
from hil.link import framing, tensors
from hil.link.protocol import INVOKE_REPLY_OUTPUTS, MAX_PAYLOAD, Cmd, Status
from hil.run.rows import run_rows
from hil.sim import Simulator
from tests.conftest import open_board
from tests.graphs import elementwise_graph, mlp_model, to_tflite
from tests.test_faults import CorruptingPort

# Each fits the F446's model RAM with its arena (the largest: 55,296 B of arena).
BIG = {
    "input-27KiB": lambda: synth.conv2d(96, 96, 3, 4, k=(3, 3), stride=4),  # 27,648 B in, 2,304 B out
    "output-8KiB": lambda: synth.depthwise(32, 32, 2, k=(3, 3), multiplier=4),  # 2,048 B in, 8,192 B out
    "both-27KiB": lambda: synth.depthwise(96, 96, 3, k=(3, 3)),  # 27,648 B in and out
}
ROWS = 2


@cache
def _case(name: str):
    """(compiled model, input rows (ROWS, *shape[1:]), TFLM's outputs as (ROWS, bytes))."""
    from hil.step.reference import run_tflm

    graph = BIG[name]()
    model = compile_graph(graph)
    x = np.random.default_rng(len(name)).integers(-128, 128, size=(ROWS, *model.inputs[0].shape[1:]), dtype=np.int8)
    return model, x, run_tflm(to_tflite(graph), [x])[0].reshape(ROWS, -1)


def _flat(outputs) -> np.ndarray:
    return outputs[0].reshape(ROWS, -1)


def test_the_big_models_pass_a_frame_where_they_are_meant_to():
    sizes = {name: (_case(name)[0].inputs[0].nbytes, _case(name)[0].outputs[0].nbytes) for name in BIG}
    assert sizes == {"input-27KiB": (27_648, 2_304), "output-8KiB": (2_048, 8_192), "both-27KiB": (27_648, 27_648)}


def test_big_tensors_are_bit_exact_with_the_simulator_and_tflm(session):
    for name in BIG:
        model, x, want = _case(name)
        assert np.array_equal(_flat(Simulator(model.blob).run(x)), want), f"{name}: simulator differs from TFLM"
        for reference in (False, True):
            got, figures = run_rows(session, model, [x.reshape(ROWS, -1)], reference=reference)
            diff = np.argwhere(_flat(got) != want)
            kernels = "reference" if reference else "optimized"
            assert diff.size == 0, f"{name} ({kernels}): {len(diff)} bytes differ, first {diff[:3]}"
            assert figures["inferences"] == ROWS and figures["cycles"]["min"] > 0
    assert session.counters.retransmits == 0


def test_hil_run_carries_27KiB_in_and_out_on_the_emulator(tmp_path, capsys, stm32_elf):
    model, x, want = _case("both-27KiB")
    (tmp_path / "m.tflite").write_bytes(to_tflite(BIG["both-27KiB"]()))
    np.save(tmp_path / "x.npy", x)
    assert cli.main(["run", "--model", str(tmp_path / "m.tflite"), "--input", str(tmp_path / "x.npy"),
                     "--out", str(tmp_path / "y.npy"), "--json"]) == 0  # fmt: skip
    figures = json.loads(capsys.readouterr().out)
    assert figures["board"] == "qemu-f446" and figures["inferences"] == ROWS
    assert np.array_equal(np.load(tmp_path / "y.npy").reshape(ROWS, -1), want)


def test_damaged_frames_mid_transfer_are_retried_and_the_result_is_identical(session):
    model, x, want = _case("both-27KiB")
    run_rows(session, model, [x[:1].reshape(1, -1)])  # uploads the model: the writes below are the transfer's
    out_bytes, row = model.outputs[0].nbytes, x[0].tobytes()
    session.timeout_s = 0.3
    # write 3 is the third INPUT_WRITE; incoming byte 12,000 lies in the third OUTPUT_READ's reply
    session.port = CorruptingPort(session.port, writes=1, skip=2, read=True, read_at=12_000)
    _, out = tensors.invoke(session, row, out_bytes)
    assert out == want[0].tobytes()
    assert session.counters.retransmits == 2 and session.counters.board_reported_errors == 1
    assert session.counters.corrupt_frames >= 1
    # a damaged INVOKE_STAGED reply: the retry is answered from the saved reply, the model does not run again
    # (a second run would be refused: the staged inputs are consumed by the first)
    tensors.write_inputs(session, x[1].tobytes())
    session.port = session.port._port
    before = session.info().stats["duplicate_requests"]
    session.port = CorruptingPort(session.port, read=True)
    cycles, _ = tensors.invoke_staged(session, out_bytes)
    session.port = session.port._port
    assert cycles > 0 and session.counters.retransmits == 3
    assert tensors.read_outputs(session, out_bytes) == want[1].tobytes()
    assert session.info().stats["duplicate_requests"] == before + 1


def _status(session, cmd, payload=b"") -> tuple[Status, bytes]:
    reply = session.exchange(cmd, payload)
    return Status(reply.status), reply.payload


def _write(session, offset, data):
    return _status(session, Cmd.INPUT_WRITE, struct.pack("<I", offset) + data)


def _read(session, offset, n):
    return _status(session, Cmd.OUTPUT_READ, struct.pack("<IH", offset, n))


def _staged(n: int) -> bytes:
    return struct.pack("<I", n)


def test_without_a_model_every_piece_is_refused(session):
    assert _write(session, 0, b"x") == (Status.NO_MODEL, _staged(0))
    assert _status(session, Cmd.INVOKE_STAGED, b"\x00")[0] == Status.NO_MODEL
    assert _read(session, 0, 1)[0] == Status.NO_MODEL
    assert session.echo(b"alive") == b"alive"


def test_offsets_are_checked_and_an_invoke_after_a_partial_write_is_refused(session):
    model = mlp_model()  # 40 input bytes, 10 output bytes
    session.upload_model(model.blob)
    x = np.arange(40, dtype=np.int8)
    want = Simulator(model.blob).run(x[None, None])[0].tobytes()
    assert _read(session, 0, 10)[0] == Status.STATE  # no run yet
    assert _status(session, Cmd.INVOKE_STAGED, b"\x00") == (Status.STATE, _staged(0))
    assert _write(session, 0, bytes(41)) == (Status.BAD_ARG, _staged(0))  # past the inputs' end
    assert _write(session, 0xFFFF_FFFF, b"x") == (Status.BAD_ARG, _staged(0))  # offset + n wraps in 32 bits
    assert _write(session, 10, bytes(5)) == (Status.STATE, _staged(0))  # a gap
    assert _write(session, 0, b"") == (Status.OK, _staged(0))
    assert _write(session, 0, x[:20].tobytes()) == (Status.OK, _staged(20))
    assert _write(session, 5, x[5:10].tobytes()) == (Status.OK, _staged(20))  # a rewrite inside the prefix
    with pytest.raises(DeviceError, match="refused INVOKE_STAGED: 20 input bytes staged since the last run"):
        tensors.invoke_staged(session, 10)
    assert _write(session, 20, x[20:].tobytes()) == (Status.OK, _staged(40))
    for bad in (b"", b"\x00\x00", b"\x80", bytes([INVOKE_REPLY_OUTPUTS | 0x04])):
        assert _status(session, Cmd.INVOKE_STAGED, bad)[0] == Status.BAD_ARG, bad
    assert tensors.invoke_staged(session, 10)[1] == want
    assert _status(session, Cmd.INVOKE_STAGED, b"\x00") == (Status.STATE, _staged(0))  # the run consumed them
    assert _read(session, 0, 10) == (Status.OK, want) and _read(session, 9, 1) == (Status.OK, want[9:])
    for offset, n in ((5, 6), (10, 1), (0xFFFF_FFFF, 2), (0, MAX_PAYLOAD + 1)):
        assert _read(session, offset, n)[0] == Status.BAD_ARG, (offset, n)
    assert _status(session, Cmd.OUTPUT_READ, b"\x00" * 4)[0] == Status.BAD_ARG
    assert _write(session, 0, b"\x01") == (Status.OK, _staged(1))
    assert _read(session, 0, 10)[0] == Status.STATE  # inputs written since the run (they may share arena bytes)
    assert session.echo(b"alive") == b"alive"


def test_any_run_or_load_empties_the_staged_inputs(session):
    model = mlp_model()
    session.upload_model(model.blob)
    x = bytes(range(40))
    assert tensors.write_inputs(session, x) == 40
    _, out = session.invoke(x)  # the one-frame INVOKE runs too: its run may reuse the staged bytes
    assert _status(session, Cmd.INVOKE_STAGED, b"\x00") == (Status.STATE, _staged(0))
    assert tensors.read_outputs(session, 10) == out  # its outputs can be read in pieces as well
    assert tensors.write_inputs(session, x) == 40
    session.upload_model(model.blob)
    assert _status(session, Cmd.INVOKE_STAGED, b"\x00") == (Status.STATE, _staged(0))
    assert _read(session, 0, 10)[0] == Status.STATE


def test_pieces_cross_input_and_output_boundaries(session):
    """Two inputs (8 + 8 bytes) written in pieces of 5, 6 and 5 bytes; three outputs read 3 bytes at a time."""
    model = compile_graph(elementwise_graph())
    session.upload_model(model.blob)
    rng = np.random.default_rng(4)
    a, b = (rng.integers(-128, 128, size=(1, 1, 8), dtype=np.int8) for _ in range(2))
    want = b"".join(o.tobytes() for o in Simulator(model.blob).run(a, b))
    x = a.tobytes() + b.tobytes()
    for at, end in ((0, 5), (5, 11), (11, 16)):
        assert _write(session, at, x[at:end]) == (Status.OK, _staged(end))
    assert _status(session, Cmd.INVOKE_STAGED, b"\x00")[0] == Status.OK
    assert b"".join(_read(session, at, min(3, len(want) - at))[1] for at in range(0, len(want), 3)) == want


def test_a_repeated_invoke_staged_is_answered_not_rerun(session):
    model = mlp_model()
    session.upload_model(model.blob)
    tensors.write_inputs(session, bytes(40))
    wire = framing.encode(framing.Frame(Cmd.INVOKE_STAGED, 0, 4243, bytes([INVOKE_REPLY_OUTPUTS])))
    replies = []
    for _ in range(2):
        session.port.write(wire)
        replies.append(session._await_reply(Cmd.INVOKE_STAGED, 4243, deadline=time.monotonic() + 5))
    assert [r.status for r in replies] == [Status.OK] * 2 and replies[0].payload == replies[1].payload
    assert session.info().stats["duplicate_requests"] == 1


def test_an_older_board_is_told_to_update_before_any_piece_is_sent():
    old = SimpleNamespace(max_payload=MAX_PAYLOAD, url="socket://127.0.0.1:1",
                          board_info=SimpleNamespace(protocol_version="1.0"))  # fmt: skip
    message = (r"inputs \(27,648 B\) or outputs \(10 B\) pass one 4,096-byte frame: that needs protocol 1\.1, "
               r"the board on socket://127\.0\.0\.1:1 speaks 1\.0")
    with pytest.raises(ConfigError, match=message):
        tensors.invoke(old, bytes(27_648), 10)


def test_the_path_is_picked_for_inputs_and_outputs_independently():
    s = SimpleNamespace(max_payload=MAX_PAYLOAD)
    assert tensors.inputs_fit(s, MAX_PAYLOAD - 1) and not tensors.inputs_fit(s, MAX_PAYLOAD)
    assert tensors.outputs_fit(s, MAX_PAYLOAD - 4) and not tensors.outputs_fit(s, MAX_PAYLOAD - 3)


def test_staged_transfer_rate_on_the_emulator(stm32_elf):
    """A link figure (host wall clock), printed for the record: 27 KiB of input staged in 7 frames."""
    model, x, _ = _case("both-27KiB")
    with open_board("qemu-f446") as session:
        session.upload_model(model.blob)
        data = x[0].tobytes()
        t0 = time.perf_counter()
        for _ in range(5):
            assert tensors.write_inputs(session, data) == len(data)
        rate = 5 * len(data) / 1024 / (time.perf_counter() - t0)
    print(f"INPUT_WRITE of {len(data):,} B on qemu-f446: {rate:.1f} KiB/s")
    assert rate > 5  # a floor far under the emulator's ~40 KiB/s: only a hang or a retry storm fails it
