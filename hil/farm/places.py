"""What hil reads from and writes to a labgrid place: its name, its tags, its serial link.

A place is one board: `<board id>-<serial>` (an emulated board's serial is its exporter's name and its
index). Its tags say which board type it is (`board`), which unit (`serial`), `kind`, `health` (ok, dead,
offline) and when it was last checked (`checked`); a lease asks for `board=<id>` and `health=ok`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Optional

DEFAULT_PORT = 20408  # labgrid's
HEALTHY = {"health": "ok"}


def coordinator_address(address: Optional[str]) -> Optional[str]:
    """`--farm` or else labgrid's LG_COORDINATOR; HOST[:PORT] with labgrid's default port."""
    address = address or os.environ.get("LG_COORDINATOR") or None
    if address and ":" not in address.rsplit("]", 1)[-1]:
        address = f"{address}:{DEFAULT_PORT}"
    return address


def place_name(board: str, serial: str) -> str:
    return f"{board}-{serial}".lower()


def place_tags(board: str, serial: str, kind: str, health: str = "ok") -> dict[str, str]:
    return {"board": board, "serial": serial, "kind": kind, "health": health}


def board_filters(board: str) -> dict[str, str]:
    """What a lease for any board of type `board` asks for."""
    return {"board": board, **HEALTHY}


def now_tag() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def serial_url(protocol: str, host: str, port: int) -> str:
    """A NetworkSerialPort as a URL: socket:// for a raw TCP port (an emulator's), rfc2217:// for ser2net's."""
    return f"{'socket' if protocol == 'raw' else 'rfc2217'}://{host}:{port}"


def target_link(target) -> tuple[str, str]:
    """(board id, serial URL) of a labgrid target whose RemotePlace is a hil place (labgrid's pytest plugin)."""
    from labgrid.resource import NetworkSerialPort, RemotePlace

    place = target.get_resource(RemotePlace)
    port = target.get_resource(NetworkSerialPort)
    return place.tags["board"], serial_url(port.protocol, port.host, port.port)


@dataclass
class PlaceView:
    """A place as a client sees it at one moment."""

    name: str
    tags: dict = field(default_factory=dict)
    comment: str = ""
    acquired: Optional[str] = None
    reservation: Optional[str] = None
    resources: list = field(default_factory=list)  # (cls, params, avail) of every matching resource

    def fits(self, filters: dict) -> bool:
        return all(self.tags.get(k) == v or (k == "name" and self.name == v) for k, v in filters.items())

    @property
    def url(self) -> Optional[str]:
        for cls, params, avail in self.resources:
            if cls == "NetworkSerialPort" and avail and params.get("port"):
                return serial_url(params.get("protocol", "rfc2217"), params["host"], params["port"])
        return None

    def row(self) -> dict:
        """What `hil farm status` shows of the place."""
        return {
            "place": self.name,
            "board": self.tags.get("board", "-"),
            "serial": self.tags.get("serial", "-"),
            "kind": self.tags.get("kind", "-"),
            "health": self.tags.get("health", "-"),
            "acquired_by": self.acquired or "",
            "link": self.url or "no serial link (exporter gone?)",
            "checked": self.tags.get("checked", "never"),
            "note": self.comment,
        }
