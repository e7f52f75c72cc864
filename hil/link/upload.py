"""A model on a board: the one place that decides how a model gets there.

In order: nothing when the board runs it already; its flash slot when the slot holds it (SLOT_LOAD, no
upload); else an upload into the model RAM when blob and arena fit there. A model that fits only the slot
must be written there first (`hil flash --model`), which this says."""

from __future__ import annotations

import time
import zlib

from hil.errors import BudgetError
from hil.link.session import Session
from hil.link.slot import blob_arena_bytes, load_slot, ram_bytes


def _same(report: dict, blob: bytes) -> bool:
    return report["size_bytes"] == len(blob) and report["crc32"] == zlib.crc32(blob)


def _check_ram(session: Session, blob: bytes, slot: dict) -> None:
    """Refuse before the upload a model whose blob and arena do not fit the board's model RAM."""
    need, room = ram_bytes(len(blob), blob_arena_bytes(blob)), session.board_info.model_ram_bytes
    if need > room:
        held = "no slot" if slot["state"] == "none" else f"a flash slot that holds {_slot_says(slot)}"
        raise BudgetError(f"model of {len(blob):,} B needs {need:,} B of RAM (blob + arena); {session.board_info.board_id} "
                          f"on {session.url} has {room:,} B for models and {held}: write it into the slot with "
                          f"`hil flash --board {session.board_info.board_id} --model M`")  # fmt: skip


def _slot_says(slot: dict) -> str:
    if slot["state"] == "valid":
        return f"another model (CRC-32 {slot['crc32']:08x})"
    return "nothing (blank)" if slot["state"] == "blank" else f"a bad image ({slot['status']})"


def ensure_model(session: Session, blob: bytes) -> dict:
    """Put the blob on the board unless it runs it already; what was done: uploaded, upload_s, model_in."""
    held = session.model_info()
    if held["state"] == "loaded" and _same(held, blob):
        return {"uploaded": False, "upload_s": 0.0, "model_in": held["in"]}
    slot = held["slot"]
    if slot["state"] == "valid" and _same(slot, blob):
        load_slot(session)
        return {"uploaded": False, "upload_s": 0.0, "model_in": "flash"}
    _check_ram(session, blob, slot)
    t0 = time.perf_counter()
    session.upload_model(blob)
    return {"uploaded": True, "upload_s": round(time.perf_counter() - t0, 4), "model_in": "ram"}
