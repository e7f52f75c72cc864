"""How much room a board has for a model: RAM for blob + arena (the firmware's model region), and the flash
slot a model can be kept in instead, with only its arena in RAM (hil/slot.h).

The figures are board data: the YAML's firmware.model_region_bytes / model_slot_bytes where the port fixes
them in C, else the built image's own symbols (_model_start/_model_end, _slot_start/_slot_end)."""

from __future__ import annotations

from dataclasses import dataclass

from hil.boards import Board
from hil.errors import BudgetError
from hil.link.slot import image_bytes, placement, ram_bytes
from hil.targets import firmware


@dataclass(frozen=True)
class ModelLimits:
    board: str
    model_ram_bytes: int
    slot_bytes: int  # the flash slot's capacity; 0: the board has none
    slot_address: int = 0  # where the slot starts in the board's memory map (0 where it has no address)


def model_limits(board: Board) -> ModelLimits:
    """The board's model region and slot, from its YAML or from its built image."""
    region = board.firmware.model_region_bytes
    if region is not None:
        return ModelLimits(board.name, region, board.firmware.model_slot_bytes or 0)
    sizes = firmware.image_sizes(firmware.build(board.firmware.make_target))
    return ModelLimits(board.name, sizes["model_ram_bytes"], sizes["slot_bytes"], sizes["slot_address"])


def image_report(board: Board, image) -> dict:
    """What the built image says of its sizes, for a board whose model region the image defines."""
    return firmware.image_sizes(image) if board.firmware.model_region_bytes is None else {}


def _refusal(model_bytes: int, arena_bytes: int, limits: ModelLimits) -> str:
    ram, room = ram_bytes(model_bytes, arena_bytes), limits.model_ram_bytes
    if not limits.slot_bytes:
        return (f"model needs {ram:,} B of RAM (blob {model_bytes:,} B + arena {arena_bytes:,} B); {limits.board} "
                f"has {room:,} B for models and no flash slot")  # fmt: skip
    if arena_bytes > room:
        return (f"model needs {arena_bytes:,} B of RAM for its arena even with its weights in flash; {limits.board} "
                f"has {room:,} B for models")  # fmt: skip
    return (f"model needs {ram:,} B of RAM (blob {model_bytes:,} B + arena {arena_bytes:,} B) or "
            f"{image_bytes(model_bytes):,} B of flash; {limits.board} has {room:,} B for models and a "
            f"{limits.slot_bytes:,} B flash slot")  # fmt: skip


def check_fits(model_bytes: int, arena_bytes: int, limits: ModelLimits) -> dict:
    """Where the model lives on the board (hil.link.slot.placement) and what it needs there against the board's
    room; BudgetError names the figures when neither RAM nor the flash slot holds it. arena_bytes is the blob's
    arena figure: activations, kernel scratch and the ops' state (hil.compile.state), all RAM wherever the blob
    lives."""
    where = placement(model_bytes, arena_bytes, limits.model_ram_bytes, limits.slot_bytes)
    if where is None:
        raise BudgetError(_refusal(model_bytes, arena_bytes, limits))
    in_ram = where == "ram"
    return {"placement": where,
            "ram_needed_bytes": ram_bytes(model_bytes, arena_bytes) if in_ram else arena_bytes,
            "model_ram_bytes": limits.model_ram_bytes,
            "flash_needed_bytes": 0 if in_ram else image_bytes(model_bytes),
            "slot_bytes": limits.slot_bytes}  # fmt: skip
