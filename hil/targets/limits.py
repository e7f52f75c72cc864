"""How much room a board has for a model: flash left by the firmware, RAM for blob + arena.

Models are uploaded into RAM (the firmware's model region), so a model's blob
and its arena must fit that region together; its flash figure is what a flash
slot would need on a real board."""

from __future__ import annotations

from dataclasses import dataclass

from hil.boards import Board
from hil.errors import BudgetError
from hil.targets import firmware

@dataclass(frozen=True)
class ModelLimits:
    board: str
    flash_free_bytes: int
    model_ram_bytes: int


def model_limits(board: Board) -> ModelLimits:
    """From the board's data: its YAML's firmware.model_region_bytes where the port fixes the region in C
    (flash: the board's, or the region on a board without flash), else the built image's own figures."""
    region = board.firmware.model_region_bytes
    if region is not None:
        return ModelLimits(board.name, board.flash_bytes or region, region)
    sizes = firmware.image_sizes(firmware.build(board.firmware.make_target))
    return ModelLimits(board.name, board.flash_bytes - sizes["flash_bytes"], sizes["model_ram_bytes"])


def image_report(board: Board, image) -> dict:
    """What the built image says of its sizes, for a board whose model region the image defines."""
    return firmware.image_sizes(image) if board.firmware.model_region_bytes is None else {}


def _span(n: int) -> int:
    return (n + 7) // 8 * 8


def check_fits(model_bytes: int, arena_bytes: int, limits: ModelLimits) -> dict:
    """The model's figures against the board's; BudgetError names both when it does not fit."""
    ram = _span(model_bytes) + arena_bytes
    if model_bytes > limits.flash_free_bytes:
        raise BudgetError(f"model needs {model_bytes:,} B of flash; {limits.board} has {limits.flash_free_bytes:,} B "
                          "free beside the firmware")  # fmt: skip
    if ram > limits.model_ram_bytes:
        raise BudgetError(f"model needs {ram:,} B of RAM (blob {model_bytes:,} B + arena {arena_bytes:,} B); "
                          f"{limits.board} has {limits.model_ram_bytes:,} B for models")  # fmt: skip
    return {"flash_free_bytes": limits.flash_free_bytes, "model_ram_bytes": limits.model_ram_bytes,
            "ram_needed_bytes": ram}  # fmt: skip
