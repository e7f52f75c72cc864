"""How a board is built, flashed and brought up: one module per board kind."""

from hil.boards import Board
from hil.targets.base import Target
from hil.targets.esp import EsptoolTarget
from hil.targets.host import HostTarget
from hil.targets.physical import PhysicalTarget
from hil.targets.qemu import QemuTarget

_BY_KIND: dict[str, type[Target]] = {
    "emulated": QemuTarget,
    "physical": PhysicalTarget,
    "native": HostTarget,
    "esptool": EsptoolTarget,
}


def target_for(board: Board) -> Target:
    return _BY_KIND[board.target_kind](board)
