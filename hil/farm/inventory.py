"""The inventory of physical boards (farm/inventory.yaml): which units of which board type are plugged
into which exporter host, kept apart from the board types in boards/.

Each unit becomes a labgrid resource group (and a place of the same name, `<board>-<serial>`) with the
resources labgrid knows for it: the USB serial port of its link (udev match on the unit's serial
number), its debug probe when its board type names one, and a power switch when the entry has one
(any labgrid power resource, given as labgrid's exporter YAML spells it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hil.boards import Board, _error_line, _read_yaml, get_board
from hil.errors import ConfigError
from hil.farm.places import place_name, place_tags
from hil.paths import repo_root

POWER_RESOURCES = ("NetworkPowerPort", "YKUSHPowerPort", "USBPowerPort", "SiSPMPowerPort", "TasmotaPowerPort",
                   "PDUDaemonPort", "ModbusTCPCoil")  # fmt: skip


class Unit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    board: str  # a board id from boards/
    serial: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")  # udev ID_SERIAL_SHORT
    power: Optional[dict] = None  # {ResourceClass: {params}}: one labgrid power resource
    usb_path: Optional[str] = None  # udev ID_PATH, when two units share a serial (cheap clones)

    @field_validator("power")
    @classmethod
    def _one_power_resource(cls, power):
        if power is not None and (len(power) != 1 or next(iter(power)) not in POWER_RESOURCES):
            raise ValueError(f"wanted one of {', '.join(POWER_RESOURCES)} with its labgrid parameters")
        return power


class Inventory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    exporters: dict[str, list[Unit]]  # exporter host name -> the units plugged into it


def default_inventory() -> Path:
    return repo_root() / "farm" / "inventory.yaml"


def load_inventory(path: Optional[Path] = None) -> Inventory:
    path = path or default_inventory()
    data = _read_yaml(path)
    try:
        inventory = Inventory.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_error_line(path, exc).replace("board key", "inventory key")) from None
    seen = set()
    for units in inventory.exporters.values():
        for unit in units:
            board = get_board(unit.board)
            if board.kind != "physical":
                raise ConfigError(f"{path}: board '{unit.board}' is {board.kind}: the inventory lists physical "
                                  "boards (emulated ones come from `hil farm exporter --emulated`)")  # fmt: skip
            if place_name(unit.board, unit.serial) in seen:
                raise ConfigError(f"{path}: {unit.board} serial {unit.serial} is listed twice")
            seen.add(place_name(unit.board, unit.serial))
    return inventory


def _match(unit: Unit) -> dict:
    match = {"ID_SERIAL_SHORT": unit.serial}
    if unit.usb_path:
        match["ID_PATH"] = unit.usb_path
    return match


def unit_resources(unit: Unit, board: Board) -> dict:
    """labgrid exporter resources of one unit."""
    resources = {"USBSerialPort": {"match": _match(unit), "speed": board.link.baud or 115200}}
    if board.probe is not None:
        resources["USBDebugger"] = {"match": _match(unit)}
    if unit.power:
        resources.update(unit.power)
    return resources


def exporter_groups(inventory: Inventory, host: str) -> dict[str, tuple[dict, dict]]:
    """{group (= place name): (labgrid resources, place tags)} for the units plugged into `host`."""
    if host not in inventory.exporters:
        raise ConfigError(f"inventory: no exporter host '{host}': wanted one of {', '.join(inventory.exporters)}")
    groups = {}
    for unit in inventory.exporters[host]:
        board = get_board(unit.board)
        groups[place_name(unit.board, unit.serial)] = (unit_resources(unit, board),
                                                       place_tags(unit.board, unit.serial, "physical"))  # fmt: skip
    return groups
