"""The emulated boards: a firmware ELF on QEMU (qemu-f446: netduinoplus2; qemu-rv32: riscv32 virt), serial on a
127.0.0.1 TCP socket. What differs between machines is board data (boards/<id>.yaml, emulator section)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from pathlib import Path
from typing import Iterator, Optional

from hil.boards import Board
from hil.errors import FlashError, LinkError, ToolMissingError
from hil.link.session import Session
from hil.targets import firmware
from hil.targets.base import Target
from hil.targets.process import free_tcp_port, spawn, stop
from hil.targets.slot import board_slot, slot_file


class Emulator:
    """One QEMU process. `wait_for_client` holds the guest until the first
    connection, so that client sees the BOOT event; a long-lived emulator runs
    without waiting and clients just shake hands.

    QEMU loads the slot image into the flash slot (`-device loader` at the
    address the ELF's _slot_start names) once, at start: the emulator keeps it
    for its whole life, resets included, whatever happens to the file. By
    default that is the board's slot file (hil.targets.slot), erased for a
    board never flashed."""

    def __init__(self, board: Board, elf: Path, port: Optional[int] = None, wait_for_client: bool = True,
                 slot: Optional[Path] = None):  # fmt: skip
        self.board, self.elf, self.wait_for_client = board, elf, wait_for_client
        self.port = port or free_tcp_port()
        self.proc: Optional[subprocess.Popen] = None
        sizes = firmware.image_sizes(elf)
        self.slot_address, self._slot_bytes = sizes["slot_address"], sizes["slot_bytes"]
        self._board_slot = slot is None and self._slot_bytes > 0
        self.slot = slot_file(board) if self._board_slot else slot

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def argv(self) -> list[str]:
        emu = self.board.emulator
        wait = "on" if self.wait_for_client else "off"
        serials = ["-serial", "null"] * emu.link_serial + ["-serial", "chardev:hil"]
        return [
            emu.program, "-M", emu.machine, *emu.args, "-display", "none", "-monitor", "none",
            "-icount", f"shift={emu.icount_shift}", "-kernel", str(self.elf),
            "-chardev", f"socket,id=hil,host=127.0.0.1,port={self.port},server=on,wait={wait},nodelay=on",
            *serials,
        ] + (["-device", f"loader,file={self.slot},addr=0x{self.slot_address:08x}"] if self.slot else [])  # fmt: skip

    def start(self) -> "Emulator":
        emu = self.board.emulator
        if shutil.which(emu.program) is None:
            raise ToolMissingError(f"{emu.program} not found: install the Debian package {emu.package} "
                                   "(make setup does)")
        if self._board_slot:
            board_slot(self.board, self._slot_bytes)  # a board never flashed: an erased slot file
        self.proc = spawn(self.argv(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self

    def failure(self) -> Optional[str]:
        """QEMU's last words if it has exited, else None."""
        if self.proc is None or self.proc.poll() is None:
            return None
        err = self.proc.stderr.read().decode(errors="replace").strip().splitlines() if self.proc.stderr else []
        return f"QEMU exited with code {self.proc.returncode}: {err[-1] if err else 'no message'}"

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)

    def connect(self, expect_boot: bool, timeout_s: float = 15.0, **kw) -> Session:
        """Connect once QEMU listens; a QEMU that died says why."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return Session.connect(self.url, expect_boot=expect_boot, **kw)
            except LinkError:
                if (why := self.failure()) is not None:
                    raise FlashError(f"{self.board.name}: {why}") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class QemuTarget(Target):
    def build(self) -> Path:
        return firmware.build(self.board.firmware.make_target)

    @contextlib.contextmanager
    def _bring_up(self, **kw) -> Iterator[Session]:
        elf = self.build()
        for attempt in range(3):  # a port taken between probe and bind: pick another
            emulator = Emulator(self.board, elf).start()
            try:
                with emulator.connect(expect_boot=True, **kw) as session:
                    yield session
                return
            except FlashError as exc:
                if "Address already in use" not in str(exc) or attempt == 2:
                    raise
            finally:
                emulator.stop()

    def boot_command(self, slot: Path) -> list[str]:
        return Emulator(self.board, self.build(), slot=slot).argv()

    def flash(self, dry_run: bool = False) -> dict:
        elf = self.build()
        emulator = Emulator(self.board, elf)
        if dry_run:
            return {"board": self.board.name, "command": emulator.argv(), "dry_run": True}
        with self._bring_up() as session:
            info = session.board_info
        return {
            "board": self.board.name,
            "image": str(elf),
            "booted": info.board_id,
            "firmware_version": info.firmware_version,
            "counter": info.counter,
            **firmware.image_sizes(elf),
        }
