"""Real boards: PlatformIO builds and uploads, the USB serial port found by VID:PID."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator, Optional

from serial.tools import list_ports

from hil.boards import Probe
from hil.errors import BuildError, ConfigError, FlashError, LinkError, ToolMissingError
from hil.link.session import Session
from hil.paths import repo_root
from hil.targets import firmware
from hil.targets.base import Target
from hil.targets.limits import model_limits
from hil.targets.slot import checked_image, slot_file, verify_slot, write_slot_file


def _openocd(probe: Probe, image: Path, address: int) -> list[str]:
    # `program` erases only the sectors the image covers (flash write_image erase), then verifies and resets
    return ["openocd", "-f", probe.config, "-c", f"program {{{image}}} 0x{address:08x} verify reset exit"]


def _st_flash(probe: Probe, image: Path, address: int) -> list[str]:
    return ["st-flash", "--reset", "write", str(image), f"0x{address:08x}"]


# How each probe tool writes an image at an address (boards/<id>.yaml probe.tool), and its Debian package.
PROBE_COMMANDS: dict[str, Callable[[Probe, Path, int], list[str]]] = {"openocd": _openocd, "st-flash": _st_flash}
PROBE_PACKAGES = {"openocd": "openocd", "st-flash": "stlink-tools"}


def run_tool(cmd: list[str], error: type, missing: str) -> None:
    """Run a tool to completion; its last error line (else its last line) says why it failed: esptool, for one,
    ends with a hint after its "A fatal error occurred: ..." line."""
    if shutil.which(cmd[0]) is None:
        raise ToolMissingError(missing)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [line.strip() for line in (proc.stderr or proc.stdout).splitlines() if line.strip()] or ["(no output)"]
        why = next((line for line in reversed(lines) if "error" in line.lower()), lines[-1])
        raise error(f"{' '.join(cmd)} failed: {why}")


def find_pio() -> Optional[str]:
    """PlatformIO's CLI: on PATH, or beside the running Python (the project's .venv)."""
    beside = Path(sys.executable).parent / "pio"
    return shutil.which("pio") or (str(beside) if beside.exists() else None)


class PhysicalTarget(Target):
    def _usb_id(self) -> str:
        return f"{self.board.link.usb_vid:04x}:{self.board.link.usb_pid:04x}"

    def find_port(self) -> str:
        """The board's serial device; a missing or ambiguous board is a clear error."""
        link = self.board.link
        found = [p.device for p in list_ports.comports() if (p.vid, p.pid) == (link.usb_vid, link.usb_pid)]
        if not found:
            raise FlashError(
                f"no {self.board.name} connected: wanted a USB serial device {self._usb_id()}, found none "
                "(plug the board in, or pass --url)"
            )
        if len(found) > 1:
            raise ConfigError(f"{len(found)} boards match {self._usb_id()} ({', '.join(found)}): pick one with --url")
        return found[0]

    def pio_command(self, target: Optional[str], port: Optional[str] = None) -> list[str]:
        cmd = [find_pio() or "pio", "run", "-d", str(repo_root()), "-e", self.board.firmware.platformio_env]
        if target:
            cmd += ["-t", target]
        if port:
            cmd += ["--upload-port", port]
        return cmd

    def _run_pio(self, cmd: list[str], error: type) -> None:
        run_tool(cmd, error, "PlatformIO (pio) not found: pip install platformio, on a machine with internet")

    def build(self) -> Path:
        if self.board.firmware.make_target:  # the same ELF builds offline with Make
            return firmware.build(self.board.firmware.make_target)
        self._run_pio(self.pio_command(None), BuildError)
        return repo_root() / ".pio" / "build" / self.board.firmware.platformio_env / "firmware.elf"

    def flash(self, dry_run: bool = False) -> dict:
        if dry_run:
            return {"board": self.board.name, "command": self.pio_command("upload"), "dry_run": True}
        port = self.find_port()
        cmd = self.pio_command("upload", port)
        self._run_pio(cmd, FlashError)
        return {"board": self.board.name, "command": cmd, "port": port}

    def slot_command(self, image: Path, address: int) -> list[str]:
        probe = self.board.probe
        if probe is None:
            raise ConfigError(f"board '{self.board.name}' names no probe: its YAML needs a 'probe' to write the slot")
        return PROBE_COMMANDS[probe.tool](probe, image, address)

    def flash_model(self, blob: bytes, dry_run: bool = False) -> dict:
        """The probe writes the slot image at the slot's address (only the slot's sectors are erased; the
        firmware stays), the board resets and checks it; then it must report the model valid."""
        limits = model_limits(self.board)
        image = checked_image(blob, limits)
        cmd = self.slot_command(slot_file(self.board), limits.slot_address)
        if dry_run:
            return {"board": self.board.name, "command": cmd, "dry_run": True}
        write_slot_file(self.board, image)
        run_tool(cmd, FlashError, f"{cmd[0]} not found: install the Debian package {PROBE_PACKAGES[self.board.probe.tool]}")
        with self.session() as session:
            report = verify_slot(session, blob, self.board.name)
        return {"board": self.board.name, "command": cmd, "image_bytes": len(image), **report}

    @contextlib.contextmanager
    def _bring_up(self, **kw) -> Iterator[Session]:
        url = self.find_port()
        try:
            session = Session.connect(url, baud=self.board.link.baud or 115200, **kw)
        except LinkError as exc:
            raise LinkError(f"{self.board.name} on {url} does not answer: {exc} (flash it with `hil flash`)") from None
        with session:
            yield session
