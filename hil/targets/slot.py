"""The model slot seen from the host: the file that stands in for each emulated or host board's flash slot
(one per board in hil.paths.slots_dir(), loaded by every emulator of the board for its whole life), the image
a model makes, and what the board says of its slot after a flash."""

from __future__ import annotations

import os
import tempfile
import zlib
from pathlib import Path

from hil.boards import Board
from hil.errors import BudgetError, FlashError
from hil.link.slot import blob_arena_bytes, slot_image
from hil.paths import slots_dir
from hil.targets.limits import ModelLimits

ERASED = b"\xff"  # what erased flash reads


def slot_file(board: Board) -> Path:
    """The board's slot image: emulated and host boards boot with it; for a real board, the image last written."""
    return slots_dir() / f"{board.name}.bin"


def _write(path: Path, data: bytes) -> None:
    """Whole or not at all: an emulator starting meanwhile reads the old file or the new one (several boards
    of a search pool may start at once, in threads of one process)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def board_slot(board: Board, slot_bytes: int) -> Path:
    """The board's slot file, made erased (all 0xFF) for a board never flashed: QEMU's flash reads 0x00
    wherever nothing was loaded, which is no erased flash."""
    path = slot_file(board)
    if not path.is_file():
        _write(path, ERASED * slot_bytes)
    return path


def checked_image(blob: bytes, limits: ModelLimits) -> bytes:
    """The slot image of blob; BudgetError when it does not fit the slot or its arena the model RAM."""
    image = slot_image(blob)
    if len(image) > limits.slot_bytes:
        room = f"a {limits.slot_bytes:,} B flash slot" if limits.slot_bytes else "no flash slot"
        raise BudgetError(f"model needs {len(image):,} B of flash (slot header + blob); {limits.board} has {room}")
    arena = blob_arena_bytes(blob)
    if arena > limits.model_ram_bytes:
        raise BudgetError(f"model needs {arena:,} B of RAM for its arena; {limits.board} has "
                          f"{limits.model_ram_bytes:,} B for models")  # fmt: skip
    return image


def write_slot_file(board: Board, image: bytes, pad_to: int = 0) -> Path:
    """Write the image as the board's slot file, padded with erased bytes to pad_to (a whole emulated slot)."""
    path = slot_file(board)
    _write(path, image.ljust(pad_to, ERASED))
    return path


def verify_slot(session, blob: bytes, board: str) -> dict:
    """What the board reports after a flash; FlashError unless its slot holds the blob and checked valid."""
    info = session.model_info()
    slot = info["slot"]
    if slot["state"] != "valid" or (slot["size_bytes"], slot["crc32"]) != (len(blob), zlib.crc32(blob)):
        raise FlashError(f"{board}: after the flash its slot is {slot['state']} ({slot['status']}, "
                         f"{slot['size_bytes']:,} B, CRC-32 {slot['crc32']:08x}); wanted the model of "
                         f"{len(blob):,} B, CRC-32 {zlib.crc32(blob):08x}")  # fmt: skip
    return {"model_state": info["state"], "model_in": info["in"], "slot": slot, "counter": session.board_info.counter}
