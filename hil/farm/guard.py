"""The guard: a small process that releases a command's places and cancels its reservations when the
command dies without doing it itself (kill -9, a crash of the interpreter).

labgrid keeps a place acquired until someone releases it, whatever happens to the client that
acquired it. So the first lease of a hil process starts `python -m hil.farm.guard ADDRESS`, in a
session of its own (Ctrl-C in the terminal does not reach it), and tells it on a pipe what it holds:
`hold place NAME`, `hold token T`, `free place NAME`, `free token T`. When the pipe closes (the
process ended, however), the guard releases and cancels whatever is still held, then exits.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Optional


class Guard:
    """The command's side: one guard process per coordinator, started on first use."""

    def __init__(self, address: str):
        self.address = address
        self._proc: Optional[subprocess.Popen] = None
        self._lock = threading.Lock()
        self.held: set[tuple[str, str]] = set()

    def _send(self, line: str) -> None:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._proc = subprocess.Popen([sys.executable, "-m", "hil.farm.guard", self.address],
                                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL, start_new_session=True, text=True)  # fmt: skip
            try:
                self._proc.stdin.write(line + "\n")
                self._proc.stdin.flush()
            except OSError:
                pass  # a guard that died guards nothing: the command still releases what it holds

    def hold(self, kind: str, name: str) -> None:
        self.held.add((kind, name))
        self._send(f"hold {kind} {name}")

    def free(self, kind: str, name: str) -> None:
        self.held.discard((kind, name))
        self._send(f"free {kind} {name}")


_GUARDS: dict[str, Guard] = {}
_GUARDS_LOCK = threading.Lock()


def guard_for(address: str) -> Guard:
    with _GUARDS_LOCK:
        return _GUARDS.setdefault(address, Guard(address))


def held_places() -> set[str]:
    """Places this process holds, on any farm."""
    return {name for g in list(_GUARDS.values()) for kind, name in list(g.held) if kind == "place"}


def _clean_up(address: str, held: set[tuple[str, str]]) -> None:
    from hil.errors import FarmError
    from hil.farm.client import farm_client

    try:
        with farm_client(address) as client:
            for kind, name in sorted(held):
                try:
                    client.release(name) if kind == "place" else client.cancel(name)
                except FarmError:
                    pass  # already released, or the place is gone
    except FarmError:
        pass  # no coordinator: it holds nothing any more either


def main(argv: list[str]) -> int:
    address, held = argv[0], set()
    for line in sys.stdin:
        verb, kind, name = (line.split() + ["", "", ""])[:3]
        if verb == "hold":
            held.add((kind, name))
        elif verb == "free":
            held.discard((kind, name))
    if held:
        _clean_up(address, held)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
