"""The boards a search measures on, used in parallel: one open session per board, one worker thread each,
both kept for the whole search (the emulators are never restarted between generations).

Uploads go over the open link (no reflash between candidates). A board whose link dies (an emulator
killed, a cable pulled) is brought up again once and the candidate retried; a second failure stops
the search with the board named, and the store keeps every evaluation finished so far.
"""

from __future__ import annotations

import contextlib
import queue
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Optional, TypeVar

from hil.boards import Board
from hil.errors import FlashError, HilError, LinkError
from hil.link.session import Session
from hil.targets import target_for

T = TypeVar("T")


class BoardSlot:
    """One board: brought up on first use, kept open, brought up again after a link failure."""

    def __init__(self, board: Board, index: int, url: Optional[str] = None):
        self.board, self.index, self.url = board, index, url
        self.name = f"{board.name}#{index}"
        self.restarts = 0
        self._stack: Optional[contextlib.ExitStack] = None
        self._session: Optional[Session] = None

    def session(self) -> Session:
        if self._session is None:
            stack = contextlib.ExitStack()
            try:
                self._session = stack.enter_context(target_for(self.board).session(self.url))
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
        """job(session); after a link failure, bring the board up again and retry once."""
        try:
            return job(self.session())
        except (LinkError, FlashError) as first:
            self.close()
            self.restarts += 1
            try:
                return job(self.session())
            except (LinkError, FlashError) as second:
                self.close()
                raise HilError(f"board {self.name}: failed twice ({first}; then {second}); "
                               "rerun the same command to resume from the store") from None  # fmt: skip


class BoardPool:
    """Slots and one worker thread per board, for the pool's whole life; at most one job per board at a time."""

    def __init__(self, slots: list[BoardSlot]):
        self.slots = slots
        self._idle: queue.Queue[BoardSlot] = queue.Queue()
        for s in slots:
            self._idle.put(s)
        self._workers = ThreadPoolExecutor(max_workers=len(slots), thread_name_prefix="board")

    def __len__(self) -> int:
        return len(self.slots)

    @contextlib.contextmanager
    def slot(self):
        s = self._idle.get()
        try:
            yield s
        finally:
            self._idle.put(s)

    def submit(self, job: Callable[[BoardSlot], T]) -> Future:
        """job(slot) on a worker thread, with the first board that is free."""
        return self._workers.submit(self._on_a_slot, job)

    def _on_a_slot(self, job: Callable[[BoardSlot], T]) -> T:
        with self.slot() as s:
            return job(s)

    def close(self) -> None:
        self._workers.shutdown(wait=True, cancel_futures=True)
        for s in self.slots:
            s.close()

    def __enter__(self) -> "BoardPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
