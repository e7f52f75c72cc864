"""A model on a board: uploaded over the link unless the board holds it already."""

from __future__ import annotations

import time
import zlib

from hil.link.session import Session


def ensure_model(session: Session, blob: bytes) -> dict:
    """Upload the blob unless the board holds it already (same size and CRC-32); what was done."""
    held = session.model_info()
    if held["state"] == "loaded" and held["crc32"] == zlib.crc32(blob) and held["size_bytes"] == len(blob):
        return {"uploaded": False, "upload_s": 0.0}
    t0 = time.perf_counter()
    session.upload_model(blob)
    return {"uploaded": True, "upload_s": round(time.perf_counter() - t0, 4)}
