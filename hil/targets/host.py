"""The host build: the firmware as a local program serving a 127.0.0.1 socket."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator, Optional

from hil.errors import FlashError
from hil.link.session import Session
from hil.targets import firmware
from hil.targets.base import Target
from hil.targets.limits import model_limits
from hil.targets.process import spawn, stop
from hil.targets.slot import board_slot


def _env(slot: Optional[Path]) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIL_HOST_")}
    env["HIL_HOST_PORT"] = "0"
    if slot is not None:
        env["HIL_HOST_SLOT"] = str(slot)
    return env


@contextlib.contextmanager
def host_firmware(exe: Path, start_timeout_s: float = 10.0, slot: Optional[Path] = None) -> Iterator[str]:
    """Run the host firmware; yields its socket:// URL and stops it on exit. With a slot image, the program
    boots (and reboots) with a copy of it taken now, kept for its life as an emulator keeps its slot."""
    with tempfile.TemporaryDirectory(prefix="hil-slot-") as tmp:
        copy = Path(shutil.copyfile(slot, Path(tmp) / "slot.bin")) if slot is not None else None
        with _host_process(exe, _env(copy), start_timeout_s) as url:
            yield url


@contextlib.contextmanager
def _host_process(exe: Path, env: dict, start_timeout_s: float) -> Iterator[str]:
    proc = spawn([str(exe)], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], start_timeout_s)
        line = proc.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("hil-fw listening on "):
            err = proc.stderr.read().decode().strip() if proc.poll() is not None else "no answer"
            raise FlashError(f"host firmware {exe} did not start: {err or line}")
        yield "socket://" + line.rsplit(" ", 1)[1]
    finally:
        stop(proc)


class HostTarget(Target):
    def build(self) -> Path:
        return firmware.build(self.board.firmware.make_target)

    def _slot(self) -> Path:
        return board_slot(self.board, model_limits(self.board).slot_bytes)

    def boot_command(self, slot: Path) -> list[str]:
        return ["env", "HIL_HOST_PORT=0", f"HIL_HOST_SLOT={slot}", str(self.build())]

    @contextlib.contextmanager
    def _bring_up(self, **kw) -> Iterator[Session]:
        with host_firmware(self.build(), slot=self._slot()) as url, \
                Session.connect(url, expect_boot=True, **kw) as session:  # fmt: skip
            yield session

    def flash(self, dry_run: bool = False) -> dict:
        exe = self.build()
        if dry_run:
            return {"board": self.board.name, "command": [str(exe)], "dry_run": True}
        with self._bring_up() as session:
            info = session.board_info
        return {"board": self.board.name, "image": str(exe), "booted": info.board_id, "counter": info.counter}
