"""The STM32 image fits the NUCLEO-F446RE: the linker script enforces the F446's sizes."""

from hil.boards import get_board
from hil.targets.firmware import image_sizes


def test_image_fits_f446(stm32_elf):
    sizes = image_sizes(stm32_elf)
    board = get_board("nucleo-f446")
    assert 0 < sizes["flash_bytes"] <= board.flash_bytes
    used_ram = sizes["static_ram_bytes"] + sizes["stack_bytes"] + sizes["model_ram_bytes"]
    assert used_ram <= board.ram_bytes
    assert sizes["model_ram_bytes"] >= 96 * 1024  # most of the RAM is left for models


def test_linker_script_uses_f446_not_f405_sizes():
    from hil.paths import firmware_dir

    script = (firmware_dir() / "hal/stm32f4/stm32f446re.ld").read_text()
    assert "LENGTH = 512K" in script and "LENGTH = 128K" in script
