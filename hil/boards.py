"""Board types as validated, frozen records loaded from boards/<id>.yaml."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hil.errors import ConfigError
from hil.paths import boards_dir

DEFAULT_BOARD = "qemu-f446"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Firmware(_Record):
    port: Literal["stm32f4", "esp32", "host"]  # folder under firmware/hal/
    make_target: Optional[str] = None  # offline build: `make -C firmware <target>`
    platformio_env: Optional[str] = None  # env in platformio.ini for real boards


class Link(_Record):
    transport: Literal["usb-serial", "qemu-socket", "host-socket"]
    baud: Optional[int] = Field(default=None, gt=0)
    usb_vid: Optional[int] = Field(default=None, ge=0, le=0xFFFF)
    usb_pid: Optional[int] = Field(default=None, ge=0, le=0xFFFF)


class Emulator(_Record):
    emulates: str  # id of the physical board this one stands in for
    program: str
    machine: str
    icount_shift: int = Field(ge=0, le=10)


class Energy(_Record):
    """Power figures for the energy model (hil.energy.model), from a datasheet.

    active_power_mw: the MCU running code at at_clock_hz; sleep_power_mw: idle between
    inferences; both at supply_v. source says which document, table and conditions
    the figures come from, and whether they are typical values."""

    active_power_mw: float = Field(gt=0)
    sleep_power_mw: float = Field(ge=0)
    at_clock_hz: int = Field(gt=0)
    supply_v: float = Field(gt=0)
    source: str = Field(min_length=1)


class Board(_Record):
    name: str
    kind: Literal["physical", "emulated", "native"]
    description: str
    mcu: str
    core: str
    clock_hz: int = Field(ge=0)
    flash_bytes: int = Field(ge=0)
    ram_bytes: int = Field(ge=0)
    firmware: Firmware
    link: Link
    emulator: Optional[Emulator] = None
    energy: Optional[Energy] = None

    @model_validator(mode="after")
    def _kind_fits(self) -> "Board":
        if self.kind == "emulated" and self.emulator is None:
            raise ValueError("an emulated board needs an 'emulator' section")
        if self.kind != "emulated" and self.emulator is not None:
            raise ValueError(f"a {self.kind} board takes no 'emulator' section")
        if self.kind == "physical" and not self.firmware.platformio_env:
            raise ValueError("a physical board needs firmware.platformio_env")
        if self.kind != "native" and min(self.clock_hz, self.flash_bytes, self.ram_bytes) == 0:
            raise ValueError("clock_hz, flash_bytes and ram_bytes must be positive for an MCU board")
        return self

    def summary(self) -> dict:
        """The fields `hil boards` lists."""
        return self.model_dump(include={"name", "kind", "mcu", "core", "clock_hz", "flash_bytes", "ram_bytes"})


def _error_line(path: Path, err: ValidationError) -> str:
    first = err.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    if first["type"] == "missing":
        return f"{path}: key '{key}' is missing"
    if first["type"] == "extra_forbidden":
        return f"{path}: key '{key}' is not a known board key"
    msg = first["msg"].removeprefix("Value error, ")
    if not first["loc"]:
        return f"{path}: {msg}"
    return f"{path}: key '{key}': {msg}, got {first['input']!r}"


def load_board_file(path: Path) -> Board:
    """Parse and validate one board file; ConfigError names the file and the key."""
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: wanted a mapping of board keys, got {type(data).__name__}")
    try:
        board = Board.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_error_line(path, exc)) from None
    if board.name != path.stem:
        raise ConfigError(f"{path}: key 'name': wanted '{path.stem}' (the file name), got '{board.name}'")
    return board


@cache
def _all_boards(directory: Path) -> dict[str, Board]:
    return {b.name: b for b in map(load_board_file, sorted(directory.glob("*.yaml")))}


def all_boards(directory: Optional[Path] = None) -> dict[str, Board]:
    """Every board in boards/, keyed by id."""
    return _all_boards(directory or boards_dir())


def get_board(name: str, directory: Optional[Path] = None) -> Board:
    boards = all_boards(directory)
    if name not in boards:
        raise ConfigError(f"unknown board '{name}': wanted one of {', '.join(sorted(boards))}")
    return boards[name]
