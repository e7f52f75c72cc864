"""`hil farm status` and `hil farm check`: what the farm holds, and whether each place's board answers."""

from __future__ import annotations

import contextlib
from typing import Optional

from hil.errors import FarmError, HilError
from hil.farm.client import FarmClient
from hil.farm.lease import lease, mark_dead
from hil.farm.places import PlaceView, now_tag
from hil.link.session import Session


def status(client: FarmClient, board: Optional[str] = None) -> list[dict]:
    return [v.row() for v in client.places() if board is None or v.tags.get("board") == board]


def check(client: FarmClient, board: Optional[str] = None) -> list[dict]:
    """Each place: acquire, HELLO/INFO (what `hil info` shows), release; the result becomes its tags."""
    rows = []
    for view in client.places():
        if board is None or view.tags.get("board") == board:
            rows.append(check_place(client, view))
    return rows


def check_place(client: FarmClient, view: PlaceView) -> dict:
    row = {"place": view.name, "board": view.tags.get("board", "-")}
    if view.acquired:
        return {**row, "result": "busy", "detail": f"acquired by {view.acquired}"}
    try:
        held = lease(client, {"name": view.name}, stop=lambda: True, need_link=False)
    except FarmError as exc:
        return {**row, "result": "busy", "detail": str(exc)}
    try:
        if held.url is None:
            raise FarmError("no serial link: its exporter is gone or the port is missing")
        with Session.connect(held.url) as session:
            info = session.info()
        if info.board_id != view.tags.get("board", info.board_id):
            raise FarmError(f"wanted board {view.tags['board']}, the place's board says {info.board_id}")
        detail = f"firmware {info.firmware_version}, counter {info.counter}"
        client.set_tags(view.name, {"health": "ok", "checked": now_tag(), "firmware": info.firmware_version},
                        comment=f"ok: {detail}")  # fmt: skip
        return {**row, "result": "ok", "detail": detail, "url": held.url}
    except HilError as exc:
        mark_dead(client, view.name, str(exc))
        return {**row, "result": "dead", "detail": str(exc)}
    finally:
        with contextlib.suppress(FarmError):
            held.release()
