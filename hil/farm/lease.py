"""Leases of places: reserve a place that fits (labgrid's queue: wait while all are taken), acquire it,
use its serial link, release it. A lease never outlives its command: it is released on the way out of
its `with` (normal end, error, Ctrl-C, SIGTERM), and the guard (hil.farm.guard) releases it when the
command is killed outright.

A place whose board does not answer is marked `health=dead` (with the reason as the place's comment)
and released; no lease asks for it until its exporter brings the board back or `hil farm check` finds
it answering again.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from hil.boards import Board
from hil.errors import FarmError, FlashError, LinkError
from hil.farm.client import FarmClient, farm_client
from hil.farm.guard import guard_for, held_places
from hil.farm.places import PlaceView, board_filters, now_tag
from hil.link.session import Session
from hil.targets import target_for


def _no_wait(waited_s: float) -> None:
    pass


@dataclass
class Lease:
    client: FarmClient
    place: PlaceView
    token: str

    @property
    def url(self) -> str:
        return self.place.url

    def release(self) -> None:
        guard = guard_for(self.client.address)
        for kind, name, undo in (("place", self.place.name, self.client.release), ("token", self.token,
                                                                                   self.client.cancel)):  # fmt: skip
            with contextlib.suppress(FarmError):
                undo(name)
            guard.free(kind, name)

    def mark_dead(self, reason: str) -> None:
        mark_dead(self.client, self.place.name, reason)


def mark_dead(client: FarmClient, place: str, reason: str) -> None:
    with contextlib.suppress(FarmError):
        client.set_tags(place, {"health": "dead", "checked": now_tag()}, comment=f"dead: {reason}"[:200])


def fitting(client: FarmClient, filters: dict) -> list[PlaceView]:
    return [v for v in client.places() if v.fits(filters)]


def _describe(filters: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(filters.items()))


def lease(client: FarmClient, filters: dict, on_wait: Callable[[float], None] = _no_wait,
          stop: Callable[[], bool] = lambda: False, need_link: bool = True) -> Lease:  # fmt: skip
    """A place that fits `filters`, acquired; waits in labgrid's queue while every such place is taken.
    One without a serial link is marked dead and released, and another one leased."""
    for _ in range(len(client.places()) + 1):
        if not fitting(client, filters):
            raise FarmError(f"farm at {client.address}: no place has {_describe(filters)}")
        got = _acquire_one(client, filters, on_wait, stop)
        if got.url is not None or not need_link:
            return got
        got.mark_dead("no serial link: its exporter is gone or the port is missing")
        got.release()
    raise FarmError(f"farm at {client.address}: no place with {_describe(filters)} has a serial link")


def _acquire_one(client: FarmClient, filters: dict, on_wait, stop) -> Lease:
    guard = guard_for(client.address)
    token = client.reserve(filters)
    guard.hold("token", token)
    name = None
    try:
        name = client.wait_allocated(token, stop, on_wait)
        client.acquire(name)
        guard.hold("place", name)
        return Lease(client, client.place(name), token)
    except BaseException:
        Lease(client, PlaceView(name or ""), token).release() if name else _cancel(client, token)
        raise


def _cancel(client: FarmClient, token: str) -> None:
    with contextlib.suppress(FarmError):
        client.cancel(token)
    guard_for(client.address).free("token", token)


@contextlib.contextmanager
def leased(client: FarmClient, filters: dict, on_wait: Callable[[float], None] = _no_wait) -> Iterator[Lease]:
    """A lease for the `with` body; a board that stopped answering is marked dead on the way out."""
    held = lease(client, filters, on_wait)
    try:
        yield held
    except (LinkError, FlashError) as exc:
        held.mark_dead(str(exc))
        raise
    finally:
        held.release()


@contextlib.contextmanager
def farm_session(address: str, board: Board, on_wait: Callable[[float], None] = _no_wait,
                 **kw) -> Iterator[Session]:  # fmt: skip
    """A session with a board of type `board` on a place of the farm at `address`."""
    with farm_client(address) as client, leased(client, board_filters(board.name), on_wait) as held:
        with target_for(board).session(held.url, **kw) as session:
            yield session


def enough_places(client: FarmClient, boards: list[str]) -> None:
    """The farm has a healthy place for each of `boards` (taken or not: taken ones are waited for)."""
    for name in sorted(set(boards)):
        have, want = len(fitting(client, board_filters(name))), boards.count(name)
        if have < want:
            raise FarmError(f"farm at {client.address}: wanted {want} place(s) with {_describe(board_filters(name))}, "
                            f"it has {have}")  # fmt: skip


class PlaceSource:
    """Where a search slot's board comes from on a farm: a place leased once and kept; after the board
    failed twice, the place is marked dead and released, and another one (not held by this process)
    is leased; when there is none the slot is lost and its work goes to the other slots."""

    def __init__(self, client: FarmClient, board: Board):
        self.client, self.board = client, board
        self.lease: Optional[Lease] = None
        self.name = f"{board.name}@farm"  # the place's name once leased (the last one's after the end)
        self._stop = threading.Event()

    def prepare(self) -> None:
        if self.lease is None:
            self.lease = lease(self.client, board_filters(self.board.name), stop=self._stop.is_set)
            self.name = self.lease.place.name

    def session(self) -> contextlib.AbstractContextManager[Session]:
        self.prepare()
        return target_for(self.board).session(self.lease.url)

    def replace(self, failures: list[str]) -> None:
        """Mark the place dead and lease another; FarmError when no other place can take the work."""
        reason = "; then ".join(failures)
        old = self.lease
        if old is not None:
            old.mark_dead(reason)
            old.release()
            self.lease = None
        others = [v for v in fitting(self.client, board_filters(self.board.name)) if v.name not in held_places()]
        if not others:
            raise FarmError(f"place {old.place.name if old else self.name} failed twice ({reason}); "
                            "no other place is free to take its work")  # fmt: skip
        self.prepare()

    def close(self) -> None:
        self._stop.set()
        if self.lease is not None:
            self.lease.release()
            self.lease = None
