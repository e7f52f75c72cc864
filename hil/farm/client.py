"""A labgrid client session for hil's (threaded, synchronous) code.

labgrid's `ClientSession` is asyncio: here it runs on an event loop of its own thread, and every call
from any of hil's threads is handed to that loop. The session keeps the coordinator's places and
resources up to date; actions go through the coordinator's gRPC service as labgrid-client's do,
without its printing. Every failure is one FarmError line naming the coordinator.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from typing import Callable, Iterator, Optional

import grpc
from labgrid.remote.client import ClientSession, Error as LabgridError
from labgrid.remote.common import Reservation, ReservationState
from labgrid.remote.generated import labgrid_coordinator_pb2 as pb2
from labgrid.util.proxy import proxymanager

from hil.errors import FarmError
from hil.farm.places import DEFAULT_PORT, PlaceView

CONNECT_TIMEOUT_S = 10.0
RPC_TIMEOUT_S = 20.0


class FarmClient:
    def __init__(self, address: str):
        self.address = address
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="hil-farm", daemon=True)
        self._thread.start()
        try:
            self._session: ClientSession = self._call(self._start(), CONNECT_TIMEOUT_S)
        except BaseException:
            self._stop_loop()
            raise

    # --- plumbing --------------------------------------------------------

    def _call(self, coro, timeout_s: Optional[float] = RPC_TIMEOUT_S):
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout_s)
        except TimeoutError:
            future.cancel()
            raise FarmError(f"farm at {self.address}: the coordinator did not answer within {timeout_s:g} s") from None

    async def _start(self) -> ClientSession:
        target = proxymanager.get_grpc_address(self.address, default_port=DEFAULT_PORT)  # LG_PROXY: over SSH
        session = ClientSession(target, self._loop)
        try:
            await session.start()
        except LabgridError:
            await session.close()
            raise FarmError(f"farm at {self.address}: no labgrid coordinator answers there") from None
        return session

    def _gone(self) -> FarmError:
        return FarmError(f"farm at {self.address}: the coordinator went away")

    async def _rpc(self, name: str, request):
        if self._session.stopping.is_set():
            raise self._gone()
        try:
            response = await getattr(self._session.stub, name)(request, timeout=RPC_TIMEOUT_S)
        except grpc.aio.AioRpcError as exc:
            if exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED):
                raise self._gone() from None
            raise FarmError(f"farm at {self.address}: {name}: {exc.details()}") from None
        if not await self._session.sync_with_coordinator():
            raise self._gone()
        return response

    def rpc(self, name: str, request):
        return self._call(self._rpc(name, request))

    @property
    def alive(self) -> bool:
        return not self._session.stopping.is_set()

    @property
    def identity(self) -> str:
        """Who the coordinator sees holding what this client acquires: `host/user`."""
        return f"{self._session.gethostname()}/{self._session.getuser()}"

    # --- reading ---------------------------------------------------------

    async def _views(self) -> list[PlaceView]:
        resources = []
        for exporter, groups in self._session.resources.items():
            for group, entries in groups.items():
                for name, entry in entries.items():
                    if entry.data:
                        resources.append(((exporter, group, entry.cls, name), entry))
        views = []
        for place in self._session.places.values():
            mine = [(e.cls, dict(e.params), bool(e.avail)) for path, e in resources if place.hasmatch(path)]
            views.append(PlaceView(place.name, dict(place.tags), place.comment, place.acquired, place.reservation,
                                   mine))  # fmt: skip
        return sorted(views, key=lambda v: v.name)

    def places(self) -> list[PlaceView]:
        if not self.alive:
            raise self._gone()
        return self._call(self._views())

    def place(self, name: str) -> PlaceView:
        for view in self.places():
            if view.name == name:
                return view
        raise FarmError(f"farm at {self.address}: no place named '{name}'")

    # --- places ----------------------------------------------------------

    def ensure_place(self, name: str, match: str, tags: dict) -> None:
        """The place exists, matches `match` (exporter/group/cls) and carries `tags`."""
        known = {v.name: v for v in self.places()}
        if name not in known:
            self.rpc("AddPlace", pb2.AddPlaceRequest(name=name))
        if not self._matches(name, match):
            self.rpc("AddPlaceMatch", pb2.AddPlaceMatchRequest(placename=name, pattern=match))
        self.set_tags(name, tags)

    def _matches(self, name: str, match: str) -> bool:
        async def look():
            place = self._session.places.get(name)
            return place is not None and any(repr(m) == match for m in place.matches)

        return self._call(look())

    def set_tags(self, name: str, tags: dict, comment: Optional[str] = None) -> None:
        self.rpc("SetPlaceTags", pb2.SetPlaceTagsRequest(placename=name, tags=tags))
        if comment is not None:
            self.rpc("SetPlaceComment", pb2.SetPlaceCommentRequest(placename=name, comment=comment))

    def acquire(self, name: str) -> None:
        self.rpc("AcquirePlace", pb2.AcquirePlaceRequest(placename=name))

    def release(self, name: str) -> None:
        self.rpc("ReleasePlace", pb2.ReleasePlaceRequest(placename=name))

    # --- reservations: labgrid's queue ------------------------------------

    def reserve(self, filters: dict) -> str:
        fltr = {"main": pb2.Reservation.Filter(filter=filters)}
        response = self.rpc("CreateReservation", pb2.CreateReservationRequest(filters=fltr, prio=0))
        return response.reservation.token

    def cancel(self, token: str) -> None:
        self.rpc("CancelReservation", pb2.CancelReservationRequest(token=token))

    def wait_allocated(self, token: str, stop: Callable[[], bool], on_wait: Callable[[float], None]) -> str:
        """Poll the reservation (which keeps it alive) until the coordinator allocates it a place."""
        t0 = time.monotonic()
        while True:
            response = self.rpc("PollReservation", pb2.PollReservationRequest(token=token))
            res = Reservation.from_pb2(response.reservation)
            if res.state in (ReservationState.allocated, ReservationState.acquired):
                return res.allocations["main"][0]
            if res.state is not ReservationState.waiting:
                raise FarmError(f"farm at {self.address}: reservation {token} is {res.state.name}")
            if stop():
                raise FarmError(f"farm at {self.address}: stopped waiting for a place")
            on_wait(time.monotonic() - t0)
            time.sleep(0.25)

    # --- the end ---------------------------------------------------------

    def close(self) -> None:
        if self._thread.is_alive():
            try:
                self._call(self._close(), 5.0)
            except (FarmError, asyncio.CancelledError):
                pass
        self._stop_loop()

    async def _close(self) -> None:
        await self._session.stop()
        await self._session.close()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5.0)

    def __enter__(self) -> "FarmClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# One client per coordinator and process: gRPC shares one connection between channels to the same address,
# and labgrid's coordinator refuses a second client stream from the same peer (its `peer not in clients`).
_SHARED: dict[str, list] = {}  # address -> [client, holders]
_SHARED_LOCK = threading.Lock()


def open_client(address: str) -> FarmClient:
    with _SHARED_LOCK:
        entry = _SHARED.get(address)
        if entry is None or not entry[0].alive:
            entry = _SHARED[address] = [FarmClient(address), 0]
        entry[1] += 1
        return entry[0]


def close_client(client: FarmClient) -> None:
    with _SHARED_LOCK:
        entry = _SHARED.get(client.address)
        if entry is not None and entry[0] is client:
            entry[1] -= 1
            if entry[1] > 0:
                return
            del _SHARED[client.address]
    client.close()


@contextlib.contextmanager
def farm_client(address: str) -> Iterator[FarmClient]:
    """The process's client of the coordinator at `address`, shared by every `with` in the process."""
    client = open_client(address)
    try:
        yield client
    finally:
        close_client(client)
