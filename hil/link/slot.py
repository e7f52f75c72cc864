"""The model slot in flash (firmware/include/hil/slot.h, src/proto/slot.c): the image written into it, what
MODEL_INFO and SLOT_LOAD report of it, and where a model lives on a board.

A slot image is a 16-byte header (u32 magic "HILS", u32 blob bytes, u32 zlib CRC-32 of the blob, u32 0)
and the .hilm blob. The board checks it at boot exactly as it checks an upload (the CRC, then the loader's
checks of every offset) and runs a valid one in place, with only its arena in RAM.

MODEL_INFO reply: u8 state, u32 size, u32 crc32, u32 received (the current model), u8 in flash, then the
slot report: u8 slot state (SLOT_STATES), u8 status of its last check, u16 reserved, u32 slot bytes,
u32 image blob bytes, u32 image blob crc32, u32 counter ticks of its last check. SLOT_LOAD checks the slot
again, makes a valid model the current one and answers with the slot report."""

from __future__ import annotations

import struct
import zlib

from hil.errors import DeviceError
from hil.link.protocol import Cmd, Status

SLOT_MAGIC = 0x534C4948  # "HILS"
SLOT_HEADER = struct.Struct("<IIII")
SLOT_STATES = {0: "none", 1: "blank", 2: "valid", 3: "bad"}
MODEL_STATES = {0: "none", 1: "uploading", 2: "loaded", 3: "rejected"}
_MODEL = struct.Struct("<BIIIB")
_REPORT = struct.Struct("<BBHIIII")
_ARENA = struct.Struct("<I")  # hil_model_header_t.arena_bytes, at offset 16 of a blob


def slot_image(blob: bytes) -> bytes:
    """The bytes written at the start of the slot for a model blob."""
    return SLOT_HEADER.pack(SLOT_MAGIC, len(blob), zlib.crc32(blob), 0) + blob


def image_bytes(model_bytes: int) -> int:
    """Flash a model of model_bytes takes in the slot."""
    return SLOT_HEADER.size + model_bytes


def ram_bytes(model_bytes: int, arena_bytes: int) -> int:
    """RAM a model uploaded into the model region takes: its blob (8-byte aligned) and its arena after it."""
    return (model_bytes + 7) // 8 * 8 + arena_bytes


def placement(model_bytes: int, arena_bytes: int, model_ram_bytes: int, slot_bytes: int) -> str | None:
    """Where a model lives on a board: "ram" when blob and arena fit the model region, else "flash" when its
    image fits the slot and its arena the region, else None."""
    if ram_bytes(model_bytes, arena_bytes) <= model_ram_bytes:
        return "ram"
    if image_bytes(model_bytes) <= slot_bytes and arena_bytes <= model_ram_bytes:
        return "flash"
    return None


def blob_arena_bytes(blob: bytes) -> int:
    """The arena a compiled blob asks for (0 for bytes too short to be a blob)."""
    return _ARENA.unpack_from(blob, 16)[0] if len(blob) >= 20 else 0


def parse_slot_report(payload: bytes, pos: int = 0) -> dict:
    """The slot report at payload[pos:]; a board without one (an older firmware) reports no slot."""
    if len(payload) < pos + _REPORT.size:
        return {"state": "none", "status": "unsupported", "slot_bytes": 0, "size_bytes": 0, "crc32": 0,
                "check_cycles": 0}  # fmt: skip
    state, status, _, slot_bytes, size, crc, cycles = _REPORT.unpack_from(payload, pos)
    return {"state": SLOT_STATES.get(state, str(state)), "status": Status.describe(status), "slot_bytes": slot_bytes,
            "size_bytes": size, "crc32": crc, "check_cycles": cycles}  # fmt: skip


def parse_model_info(payload: bytes) -> dict:
    """A MODEL_INFO reply: the current model, where it is ("in": ram or flash) and the slot's report."""
    state, size, crc, received, in_flash = _MODEL.unpack_from(payload.ljust(_MODEL.size, b"\x00"))
    return {"state": MODEL_STATES.get(state, str(state)), "size_bytes": size, "crc32": crc,
            "received_bytes": received, "in": "flash" if in_flash else "ram",
            "slot": parse_slot_report(payload, _MODEL.size)}  # fmt: skip


def load_slot(session) -> dict:
    """Make the model in the board's flash slot the current one (SLOT_LOAD); returns the slot report."""
    reply = session.exchange(Cmd.SLOT_LOAD)
    report = parse_slot_report(reply.payload)
    if reply.status != Status.OK:
        raise DeviceError(f"board on {session.url} did not load its flash slot: slot {report['state']} "
                          f"({Status.describe(reply.status)})", reply.status, reply.payload)  # fmt: skip
    return report
