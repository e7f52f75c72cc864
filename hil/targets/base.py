"""What every kind of board offers the CLI."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Iterator, Optional

from hil.boards import Board
from hil.link.session import Session
from hil.targets.limits import image_report, model_limits
from hil.targets.slot import checked_image, slot_file, verify_slot, write_slot_file


class Target(ABC):
    def __init__(self, board: Board):
        self.board = board

    @abstractmethod
    def build(self) -> Path:
        """Build the firmware for this board; returns the image path."""

    def build_report(self) -> dict:
        """Build, then what was built: the image path and, where the image defines them, its sizes."""
        path = self.build()
        return {"image": str(path), **image_report(self.board, path)}

    @abstractmethod
    def flash(self, dry_run: bool = False) -> dict:
        """Put fresh firmware on the board; returns what was done."""

    @abstractmethod
    def _bring_up(self) -> contextlib.AbstractContextManager[Session]:
        """Connect to the board's own transport (starting it if it is emulated)."""

    def boot_command(self, slot: Path) -> list[str]:
        """The command that starts this board with the slot image `slot` (emulated and host boards)."""
        raise NotImplementedError(f"{self.board.name} keeps its model slot in flash, not in a file")

    def flash_model(self, blob: bytes, dry_run: bool = False) -> dict:
        """Write a model into the board's flash slot (the firmware stays) and check the board reports it valid.
        Here: emulated and host boards, whose slot is a file that every later start of the board boots with."""
        limits = model_limits(self.board)
        image = checked_image(blob, limits)
        if dry_run:
            return {"board": self.board.name, "command": self.boot_command(slot_file(self.board)), "dry_run": True}
        path = write_slot_file(self.board, image, pad_to=limits.slot_bytes)
        with self.session() as session:
            report = verify_slot(session, blob, self.board.name)
        return {"board": self.board.name, "slot_file": str(path), "image_bytes": len(image), **report}

    @contextlib.contextmanager
    def session(self, url: Optional[str] = None, **kw) -> Iterator[Session]:
        """A session with the board: on `url` when given, else on the board's own link."""
        if url:
            with Session.connect(url, **kw) as s:
                yield s
        else:
            with self._bring_up(**kw) as s:
                yield s
