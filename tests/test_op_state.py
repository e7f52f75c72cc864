"""The ops' state (firmware/include/hil/op.h, hil/compile/state.py): what each op's prepare resolves once at load
lives in RAM after the activations, the compiler counts exactly that into the blob's arena figure, and the
board refuses a figure short of it."""

import struct
import zlib

import numpy as np
import pytest
from elftools.elf.elffile import ELFFile

from hil.compile.blob import CRC_START, read_blob
from hil.compile.state import STATE_BYTES, op_state_bytes
from hil.errors import DeviceError
from hil.link.protocol import Status
from hil.sim import Simulator
from tests.conftest import EMULATED_BOARDS, build_firmware
from tests.graphs import mlp_model

IMPL = struct.Struct("<BxHHxxI")  # hil_op_impl_t on the M4: code, state_bytes, state_bytes_per_io, prepare


def registry(elf) -> dict[int, tuple[int, int]]:
    """op code -> (state bytes, bytes per input and output) from a 32-bit image's op registry (hil_ops)."""
    with open(elf, "rb") as f:
        data = ELFFile(f).get_section_by_name("hil_ops").data()
    entries = [IMPL.unpack_from(data, i)[:3] for i in range(0, len(data), IMPL.size)]
    return {code: (fixed, per_io) for code, fixed, per_io in entries}


@pytest.mark.parametrize("board", EMULATED_BOARDS)  # the M4 and the RV32 (ilp32) lay the registry out alike
def test_the_state_table_is_the_boards_op_registry(board):
    assert registry(build_firmware(board)) == STATE_BYTES


def test_the_arena_figure_counts_each_ops_state_after_the_activations():
    model = mlp_model((40, 64, 10))
    info = read_blob(model.blob)
    assert model.state_bytes == sum(op_state_bytes(o.code, o.n_inputs + o.n_outputs) for o in info.ops) > 0
    assert model.report()["state_bytes"] == model.state_bytes
    ends = [t.offset + t.nbytes for t in info.tensors if t.location == 0]
    assert model.arena_bytes == -(-max(ends) // 8) * 8 + model.state_bytes == info.header["arena_bytes"]


def _short_by(blob: bytes, n: int) -> bytes:
    b = bytearray(blob)
    struct.pack_into("<I", b, 16, struct.unpack_from("<I", b, 16)[0] - n)  # hil_model_header_t.arena_bytes
    struct.pack_into("<I", b, 12, zlib.crc32(b[CRC_START:]))
    return bytes(b)


@pytest.mark.parametrize("board", EMULATED_BOARDS)
def test_a_32_bit_board_refuses_an_arena_figure_short_of_its_ops_state(board):
    """The emulated board lays the state out as the compiler counted it, to the byte: 8 bytes less is refused;
    the 64-bit simulator (larger pointers, its own room) takes either."""
    from tests.conftest import open_board

    model = mlp_model((40, 64, 10))
    Simulator(_short_by(model.blob, 8))
    x = np.arange(40, dtype=np.int8)
    with open_board(board) as session:
        with pytest.raises(DeviceError) as err:
            session.upload_model(_short_by(model.blob, 8))
        assert err.value.status == Status.BAD_MODEL
        session.upload_model(model.blob)
        assert session.invoke(x.tobytes())[1] == Simulator(model.blob).run(x[None, None])[0].tobytes()
