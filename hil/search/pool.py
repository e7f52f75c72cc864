"""The boards a search measures on, used in parallel: one open session per board, one worker thread each,
both kept for the whole search (the emulators are never restarted between generations).

A slot's board comes from a source: its own link (an emulator started for the search, or a URL), or a
place of a farm (hil.farm.lease.PlaceSource). Uploads go over the open link (no reflash between
candidates). A board whose link dies (an emulator killed, a cable pulled) is brought up again once and
the candidate retried; after a second failure the source decides: a local board stops the search with
the board named (the store keeps every evaluation finished so far); a farm place is marked dead and
released, and the slot goes on with another place, or, when there is none, the slot is lost and its
candidate goes to another slot.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Optional, TypeVar

from hil.boards import Board
from hil.errors import FarmError, FlashError, HilError, LinkError
from hil.link.session import Session
from hil.targets import target_for

T = TypeVar("T")


class LocalSource:
    """A board on its own link: brought up on first use (an emulator, or the URL given), never replaced."""

    def __init__(self, board: Board, index: int, url: Optional[str] = None):
        self.board, self.url, self.name = board, url, f"{board.name}#{index}"

    def prepare(self) -> None:
        pass

    def session(self) -> contextlib.AbstractContextManager[Session]:
        return target_for(self.board).session(self.url)

    def replace(self, failures: list[str]) -> None:
        raise HilError(f"board {self.name}: failed twice ({failures[0]}; then {failures[1]}); "
                       "rerun the same command to resume from the store")  # fmt: skip

    def close(self) -> None:
        pass


class BoardSlot:
    """One board: brought up on first use, kept open, brought up again after a link failure."""

    def __init__(self, board: Board, index: int, url: Optional[str] = None, source=None):
        self.board, self.index = board, index
        self.source = source or LocalSource(board, index, url)
        self.restarts = 0
        self._stack: Optional[contextlib.ExitStack] = None
        self._session: Optional[Session] = None

    @property
    def name(self) -> str:
        return self.source.name

    def session(self) -> Session:
        if self._session is None:
            stack = contextlib.ExitStack()
            try:
                self._session = stack.enter_context(self.source.session())
            except BaseException:
                stack.close()
                raise
            self._stack = stack
        return self._session

    def close(self) -> None:
        stack, self._stack, self._session = self._stack, None, None
        if stack is not None:
            with contextlib.suppress(HilError, OSError):
                stack.close()

    def run(self, job: Callable[[Session], T]) -> T:
        """job(session); after a link failure, bring the board up again and retry once; after a second one,
        the source replaces the board (FarmError when it cannot: the slot is lost) or stops the search."""
        failures: list[str] = []
        while True:
            try:
                return job(self.session())
            except (LinkError, FlashError) as exc:
                self.close()
                failures.append(str(exc))
            if len(failures) % 2 == 0:
                self.source.replace(failures[-2:])
            self.restarts += 1


class BoardPool:
    """Slots and one worker thread per board, for the pool's whole life; at most one job per board at a time.

    A slot joins when its source is ready (a farm place leased: waiting in the farm's queue does not
    hold up the other slots); a lost slot leaves, and its job goes to the next free slot."""

    def __init__(self, slots: list[BoardSlot]):
        self.slots = slots
        self._cond = threading.Condition()
        self._idle: list[BoardSlot] = []
        self._live = len(slots)
        self._lost: list[str] = []
        self._workers = ThreadPoolExecutor(max_workers=len(slots), thread_name_prefix="board")
        for s in slots:
            threading.Thread(target=self._prepare, args=(s,), name=f"prepare-{s.index}", daemon=True).start()

    def __len__(self) -> int:
        return len(self.slots)

    def _prepare(self, s: BoardSlot) -> None:
        try:
            s.source.prepare()
        except HilError as exc:
            self._retire(s, str(exc))
            return
        with self._cond:
            self._idle.append(s)
            self._cond.notify()

    def _retire(self, s: BoardSlot, why: str) -> None:
        s.close()
        with self._cond:
            self._live -= 1
            self._lost.append(f"{s.name}: {why}")
            self._cond.notify_all()

    def _take(self) -> BoardSlot:
        with self._cond:
            while not self._idle and self._live > 0:
                self._cond.wait()
            if not self._idle:
                raise HilError(f"no board left: {'; '.join(self._lost)}; rerun the same command to resume from "
                               "the store")  # fmt: skip
            return self._idle.pop(0)

    def _give_back(self, s: BoardSlot) -> None:
        with self._cond:
            self._idle.append(s)
            self._cond.notify()

    def submit(self, job: Callable[[BoardSlot], T]) -> Future:
        """job(slot) on a worker thread, with the first board that is free."""
        return self._workers.submit(self._on_a_slot, job)

    def _on_a_slot(self, job: Callable[[BoardSlot], T]) -> T:
        while True:
            s = self._take()
            try:
                result = job(s)
            except FarmError as exc:  # the slot's place failed and no other could take it: the job moves on
                self._retire(s, str(exc))
                continue
            except BaseException:
                self._give_back(s)
                raise
            self._give_back(s)
            return result

    def close(self) -> None:
        self._workers.shutdown(wait=True, cancel_futures=True)
        for s in self.slots:
            s.close()
            s.source.close()

    def __enter__(self) -> "BoardPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
