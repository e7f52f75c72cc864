"""Espressif boards flashed with esptool (PyPI): the ELF from Make, the ESP image from `esptool elf2image`, written
with `esptool write-flash` over the board's USB serial port (found by VID:PID, like every physical board)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from hil.errors import BuildError, FlashError, ToolMissingError
from hil.targets import firmware
from hil.targets.physical import PhysicalTarget, run_tool

ESPTOOL_PIN = "esptool==5.6.0"  # pyproject.toml's pin


def esptool_argv() -> list[str]:
    """esptool as a module of the running Python (the project's .venv)."""
    return [sys.executable, "-m", "esptool"]


def _need_esptool() -> None:
    if importlib.util.find_spec("esptool") is None:
        raise ToolMissingError(f"esptool not found in {sys.executable}: pip install {ESPTOOL_PIN} (make setup does)")


class EsptoolTarget(PhysicalTarget):
    def elf(self) -> Path:
        return firmware.build(self.board.firmware.make_target)

    def image_path(self, elf: Path) -> Path:
        return elf.with_suffix(".bin")

    def elf2image_command(self, elf: Path) -> list[str]:
        esp = self.board.esptool
        return [*esptool_argv(), "--chip", esp.chip, "elf2image", "--flash-mode", esp.flash_mode,
                "--flash-size", esp.flash_size, "--output", str(self.image_path(elf)), str(elf)]  # fmt: skip

    def build(self) -> Path:
        """The ESP image (its ELF beside it, same name, .elf)."""
        _need_esptool()
        elf = self.elf()
        run_tool(self.elf2image_command(elf), BuildError, "")
        return self.image_path(elf)

    def build_report(self) -> dict:
        image = self.build()
        return {"image": str(image), "elf": str(image.with_suffix(".elf")), "image_bytes": image.stat().st_size,
                "format": f"ESP image (esptool elf2image, {self.board.esptool.chip}), loaded into SRAM by the ROM",
                **firmware.image_sizes(image.with_suffix(".elf"))}  # fmt: skip

    def write_command(self, image: Path, port: str | None) -> list[str]:
        esp = self.board.esptool
        where = ["--port", port] if port else []
        return [*esptool_argv(), "--chip", esp.chip, *where, "--baud", str(esp.baud), "write-flash",
                f"0x{esp.flash_offset:x}", str(image)]  # fmt: skip

    def flash(self, dry_run: bool = False) -> dict:
        """Build the ESP image and write it; the dry run builds nothing and prints the command (with the port
        when the board is plugged in, else without: esptool then looks for it itself)."""
        image = self.image_path(firmware.output_path(self.board.firmware.make_target))
        if dry_run:
            return {"board": self.board.name, "command": self.write_command(image, self._port_or_none()),
                    "dry_run": True}  # fmt: skip
        port = self.find_port()
        image = self.build()
        cmd = self.write_command(image, port)
        run_tool(cmd, FlashError, "")
        return {"board": self.board.name, "command": cmd, "port": port, "image_bytes": image.stat().st_size}

    def _port_or_none(self) -> str | None:
        try:
            return self.find_port()
        except FlashError:
            return None
