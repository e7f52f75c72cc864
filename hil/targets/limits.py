"""How much room a board has for a model: flash left by the firmware, RAM for blob + arena.

Models are uploaded into RAM (the firmware's model region), so a model's blob
and its arena must fit that region together; its flash figure is what a flash
slot would need on a real board."""

from __future__ import annotations

from dataclasses import dataclass

from hil.boards import Board
from hil.errors import BudgetError
from hil.targets import firmware

# firmware/hal/host/hal_host.c MODEL_REGION_BYTES; the host build has no flash.
_HOST_MODEL_RAM_BYTES = 1024 * 1024
# firmware/hal/esp32/hal_esp32.c HIL_ESP32_MODEL_REGION_BYTES (default)
_ESP32_MODEL_RAM_BYTES = 160 * 1024


@dataclass(frozen=True)
class ModelLimits:
    board: str
    flash_free_bytes: int
    model_ram_bytes: int


def model_limits(board: Board) -> ModelLimits:
    port = board.firmware.port
    if port == "stm32f4":
        sizes = firmware.image_sizes(firmware.build(board.firmware.make_target))
        return ModelLimits(board.name, board.flash_bytes - sizes["flash_bytes"], sizes["model_ram_bytes"])
    if port == "host":
        return ModelLimits(board.name, _HOST_MODEL_RAM_BYTES, _HOST_MODEL_RAM_BYTES)
    return ModelLimits(board.name, board.flash_bytes, _ESP32_MODEL_RAM_BYTES)


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
