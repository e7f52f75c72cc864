"""The STM32 image fits the NUCLEO-F446RE: the linker script enforces the F446's sizes."""

import pytest

from hil.boards import get_board
from hil.targets.firmware import image_sizes


def test_image_fits_f446(stm32_elf):
    sizes = image_sizes(stm32_elf)
    board = get_board("nucleo-f446")
    assert 0 < sizes["flash_bytes"] <= board.flash_bytes
    used_ram = sizes["static_ram_bytes"] + sizes["stack_bytes"] + sizes["model_ram_bytes"]
    assert used_ram <= board.ram_bytes
    assert sizes["model_ram_bytes"] >= 96 * 1024  # most of the RAM is left for models


def test_linker_script_uses_f446_not_f405_sizes(stm32_elf):
    """512 KiB of flash (firmware in sectors 0-4, the model slot in 5-7) and 128 KiB of RAM: the F446's."""
    from hil.paths import firmware_dir

    script = (firmware_dir() / "hal/stm32f4/stm32f446re.ld").read_text()
    assert "LENGTH = 128K /* sectors 0-4" in script and "LENGTH = 384K /* sectors 5-7" in script
    assert "RAM (rwx)  : ORIGIN = 0x20000000, LENGTH = 128K" in script
    sizes = image_sizes(stm32_elf)
    assert sizes["slot_address"] + sizes["slot_bytes"] - 0x0800_0000 == get_board("nucleo-f446").flash_bytes


_BIG_FIRMWARE = """
const unsigned char filler[%d] = {1};
void Reset_Handler(void) { for (;;) { (void)filler[0]; } }
__attribute__((section(".isr_vector"), used)) const void *const vectors[2] = {0, (const void *)Reset_Handler};
"""


@pytest.mark.parametrize("filler_kib, links", [(100, True), (130, False)])
def test_a_firmware_that_would_grow_into_the_model_slot_does_not_link(tmp_path, filler_kib, links):
    """The firmware's flash ends where the slot begins (128 KiB): a larger image fails at link time."""
    import subprocess

    from hil.paths import firmware_dir

    src = tmp_path / "big.c"
    src.write_text(_BIG_FIRMWARE % (filler_kib * 1024))
    proc = subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-nostartfiles", "--specs=nano.specs",
                           "--specs=nosys.specs", "-T", str(firmware_dir() / "hal/stm32f4/stm32f446re.ld"),
                           str(src), "-o", str(tmp_path / "big.elf")], capture_output=True, text=True)  # fmt: skip
    assert (proc.returncode == 0) is links, proc.stderr
    if not links:
        assert "region `FLASH' overflowed" in proc.stderr
