"""What every kind of board offers the CLI."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Iterator, Optional

from hil.boards import Board
from hil.link.session import Session


class Target(ABC):
    def __init__(self, board: Board):
        self.board = board

    @abstractmethod
    def build(self) -> Path:
        """Build the firmware for this board; returns the image path."""

    @abstractmethod
    def flash(self, dry_run: bool = False) -> dict:
        """Put fresh firmware on the board; returns what was done."""

    @abstractmethod
    def _bring_up(self) -> contextlib.AbstractContextManager[Session]:
        """Connect to the board's own transport (starting it if it is emulated)."""

    @contextlib.contextmanager
    def session(self, url: Optional[str] = None, **kw) -> Iterator[Session]:
        """A session with the board: on `url` when given, else on the board's own link."""
        if url:
            with Session.connect(url, **kw) as s:
                yield s
        else:
            with self._bring_up(**kw) as s:
                yield s
