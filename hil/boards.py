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
MAX_CLOCK_HZ = 10**10  # 10 GHz: far above any MCU; bounds keep every figure a finite float
MAX_BYTES = 2**40
# PyYAML's constructors raise more than YAMLError on malformed text: ValueError (an int of more than
# 4,300 digits, `2001-13-45`, `!!int x`), AttributeError (`!!timestamp x`); deep nesting, RecursionError.
_YAML_FAILURES = (yaml.YAMLError, ValueError, TypeError, AttributeError, OverflowError)


class _Record(BaseModel):
    # strict: a YAML value must have the key's type (`icount_shift: true` is not 1, "180000000" is not a
    # number); finite floats only.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Firmware(_Record):
    port: Literal["stm32f4", "esp32", "rv32virt", "esp32c3", "host"]  # folder under firmware/hal/
    make_target: Optional[str] = None  # offline build: `make -C firmware <target>`
    platformio_env: Optional[str] = None  # env in platformio.ini for real boards
    # RAM the firmware sets aside for a model (blob + arena) where the port fixes it in C (hal/<port>/);
    # absent, it is read from the built image (its _model_start/_model_end symbols)
    model_region_bytes: Optional[int] = Field(default=None, gt=0, le=2**40)
    # the flash slot a model may be kept in (hil/slot.h) on such a port (absent: none); where the image defines
    # the region, it defines the slot too (its _slot_start/_slot_end symbols)
    model_slot_bytes: Optional[int] = Field(default=None, gt=0, le=2**40)

    @model_validator(mode="after")
    def _region_known(self) -> "Firmware":
        if self.model_region_bytes is None and not self.make_target:
            raise ValueError("firmware needs model_region_bytes unless make_target builds an image that says it")
        if self.model_slot_bytes is not None and self.model_region_bytes is None:
            raise ValueError("model_slot_bytes goes with model_region_bytes: an image that defines its region "
                             "defines its slot")  # fmt: skip
        return self


class Link(_Record):
    transport: Literal["usb-serial", "qemu-socket", "host-socket"]
    baud: Optional[int] = Field(default=None, gt=0, le=10**8)
    usb_vid: Optional[int] = Field(default=None, ge=0, le=0xFFFF)
    usb_pid: Optional[int] = Field(default=None, ge=0, le=0xFFFF)


class Probe(_Record):
    """The debug probe that writes the model slot of a real board, sector by sector, leaving the firmware:
    tool is a key of hil.targets.physical.PROBE_COMMANDS; config, openocd's board script."""

    tool: Literal["openocd", "st-flash"]
    config: Optional[str] = None

    @model_validator(mode="after")
    def _config_known(self) -> "Probe":
        if self.tool == "openocd" and not self.config:
            raise ValueError("openocd needs its board script in 'config' (e.g. board/st_nucleo_f4.cfg)")
        return self


class Emulator(_Record):
    emulates: str  # id of the physical board this one stands in for
    program: str
    package: str = Field(min_length=1)  # the Debian package that has `program`
    machine: str
    icount_shift: int = Field(ge=0, le=10)
    link_serial: int = Field(default=0, ge=0, le=3)  # which of QEMU's -serial ports the link is (earlier: null)
    # more QEMU arguments the machine needs (e.g. -bios none); a YAML list
    args: tuple[str, ...] = Field(default=(), strict=False)


class Esptool(_Record):
    """How esptool (PyPI) makes and writes an Espressif board's image: `elf2image` turns the ELF into an ESP
    image for `chip`, `write-flash` puts it at flash_offset over the board's USB serial port."""

    chip: Literal["esp32", "esp32c3", "esp32c6"]
    flash_offset: int = Field(ge=0, le=2**24)
    flash_mode: Literal["qio", "qout", "dio", "dout"] = "dio"
    flash_size: str = Field(pattern=r"^(1|2|4|8|16)MB$")
    baud: int = Field(default=460800, gt=0, le=10**8)


class Energy(_Record):
    """Power figures for the energy model (hil.energy.model), from a datasheet.

    active_power_mw: the MCU running code at at_clock_hz; sleep_power_mw: idle between
    inferences; both at supply_v. source says which document, table and conditions
    the figures come from, and whether they are typical values."""

    active_power_mw: float = Field(gt=0)
    sleep_power_mw: float = Field(ge=0)
    at_clock_hz: int = Field(gt=0, le=MAX_CLOCK_HZ)
    supply_v: float = Field(gt=0)
    source: str = Field(min_length=1)


class Board(_Record):
    name: str
    kind: Literal["physical", "emulated", "native"]
    description: str
    mcu: str
    core: str
    clock_hz: int = Field(ge=0, le=MAX_CLOCK_HZ)
    flash_bytes: int = Field(ge=0, le=MAX_BYTES)
    ram_bytes: int = Field(ge=0, le=MAX_BYTES)
    firmware: Firmware
    link: Link
    emulator: Optional[Emulator] = None
    energy: Optional[Energy] = None
    probe: Optional[Probe] = None
    esptool: Optional[Esptool] = None

    @model_validator(mode="after")
    def _kind_fits(self) -> "Board":
        if self.kind == "emulated" and self.emulator is None:
            raise ValueError("an emulated board needs an 'emulator' section")
        if self.kind != "emulated" and self.emulator is not None:
            raise ValueError(f"a {self.kind} board takes no 'emulator' section")
        if self.kind == "physical" and not (self.firmware.platformio_env or self.esptool):
            raise ValueError("a physical board needs firmware.platformio_env or an 'esptool' section")
        if self.esptool is not None and (self.kind != "physical" or not self.firmware.make_target):
            raise ValueError("an 'esptool' section goes with a physical board whose make_target builds the ELF")
        if self.kind != "native" and min(self.clock_hz, self.flash_bytes, self.ram_bytes) == 0:
            raise ValueError("clock_hz, flash_bytes and ram_bytes must be positive for an MCU board")
        return self

    @property
    def target_kind(self) -> str:
        """Which hil.targets class brings the board up: its kind, or "esptool" for a board esptool flashes."""
        return "esptool" if self.esptool is not None else self.kind

    def summary(self) -> dict:
        """The fields `hil boards` lists."""
        return self.model_dump(include={"name", "kind", "mcu", "core", "clock_hz", "flash_bytes", "ram_bytes"})


def _clip(text: str, limit: int = 80) -> str:
    """One line of at most `limit` characters: control characters escaped, the middle cut out."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else f"{text[: limit // 2]}...{text[-limit // 2 :]}"


def _error_line(path: Path, err: ValidationError) -> str:
    first = err.errors()[0]
    key = _clip(".".join(str(p) for p in first["loc"])) or "(top level)"
    if first["type"] == "missing":
        return f"{path}: key '{key}' is missing"
    if first["type"] == "extra_forbidden":
        return f"{path}: key '{key}' is not a known board key"
    msg = first["msg"].removeprefix("Value error, ")
    if not first["loc"]:
        return f"{path}: {msg}"
    return f"{path}: key '{key}': {msg}, got {_clip(repr(first['input']))}"


def _read_yaml(path: Path):
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: wanted UTF-8 text, got byte 0x{raw[exc.start]:02x} at offset {exc.start}") from None
    try:
        return yaml.safe_load(text)
    except RecursionError:
        raise ConfigError(f"{path}: not valid YAML: nested too deeply") from None
    except _YAML_FAILURES as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"{path}: not valid YAML: {_clip(first, 160)}") from None


def load_board_file(path: Path) -> Board:
    """Parse and validate one board file; ConfigError names the file and the key."""
    data = _read_yaml(path)
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


def board_counts(spec: str, option: str = "--boards") -> list[tuple[Board, int]]:
    """`qemu-f446:4` or `qemu-f446:2,nucleo-f446` (a missing count is 1): each board type with how many."""
    out = []
    for part in (p.strip() for p in spec.split(",")):
        name, _, count = part.partition(":")
        if not count:
            count = "1"
        if not count.isdigit() or not 1 <= int(count) <= 64:
            raise ConfigError(f"{option}: wanted ID:N with N from 1 to 64, got '{_clip(part)}'")
        out.append((get_board(name), int(count)))
    return out
