"""The ESP32-C3 (esp32c3-devkitm) and its emulated core (qemu-rv32): board data, the ESP image esptool makes,
`hil flash` through esptool, the room each board has for a model. The board test matrix itself runs on
qemu-rv32 through the board parametrisations (tests/conftest.py EMULATED_BOARDS); what only a real C3 can
show (its boot from the ESP image, the USB link, mpccr cycles) is marked hw."""

from __future__ import annotations

import re
import struct
import sys

import pytest

from hil import cli
from hil.boards import get_board
from hil.errors import BudgetError
from hil.paths import firmware_dir
from hil.targets import target_for
from hil.targets.firmware import image_sizes
from hil.targets.limits import check_fits, model_limits
from tests.conftest import LINK_BOARDS, SLOT_BOARDS, open_board
from tests.graphs import mlp_model

C3, EMULATED = "esp32c3-devkitm", "qemu-rv32"
ESP_IMAGE_MAGIC, ESP32C3_CHIP_ID = 0xE9, 5


def test_the_emulated_board_carries_the_c3_figures():
    c3, rv = get_board(C3), get_board(EMULATED)
    assert rv.emulator.emulates == C3
    fields = ("mcu", "core", "clock_hz", "flash_bytes", "ram_bytes")
    assert [getattr(rv, f) for f in fields] == [getattr(c3, f) for f in fields]
    assert rv.energy.model_dump(exclude={"source"}) == c3.energy.model_dump(exclude={"source"})
    assert (c3.link.usb_vid, c3.link.usb_pid) == (0x303A, 0x1001)


def _memory(script: str) -> dict[str, tuple[int, int]]:
    text = (firmware_dir() / script).read_text()
    return {name: (int(origin, 16), int(length) * 1024)
            for name, origin, length in re.findall(r"(\w+) \(\w+\) : ORIGIN = (0x[0-9A-Fa-f]+), LENGTH = (\d+)K", text)}


def test_both_rv32_builds_link_the_c3_budget():
    """The same code and data sizes (the C3's 384 KiB of usable SRAM), so a model that fits one fits the other."""
    virt, c3 = _memory("hal/rv32virt/rv32virt.ld"), _memory("hal/esp32c3/esp32c3.ld")
    assert [v[1] for v in virt.values()] == [v[1] for v in c3.values()] and sum(v[1] for v in c3.values()) == 384 * 1024
    assert c3["CODE"][0] == 0x4038_0000 and c3["DATA"][0] + c3["DATA"][1] == 0x3FCE_0000  # the C3's SRAM buses
    sizes = {b: image_sizes(target_for(get_board(b)).elf() if b == C3 else target_for(get_board(b)).build())
             for b in (C3, EMULATED)}  # fmt: skip
    # equal but for the board files' own statics (a few words)
    assert abs(sizes[C3]["model_ram_bytes"] - sizes[EMULATED]["model_ram_bytes"]) <= 256
    assert sizes[C3]["model_ram_bytes"] > 192 * 1024
    assert sizes[C3]["slot_bytes"] == 0  # no flash slot: models are uploaded into SRAM


def test_build_makes_the_esp_image_with_esptool(capsys):
    assert cli.main(["build", "--board", C3, "--json"]) == 0
    import json

    built = json.loads(capsys.readouterr().out)
    image = open(built["image"], "rb").read()
    assert built["image"].endswith(".bin") and built["elf"].endswith(".elf") and built["image_bytes"] == len(image)
    magic, segments, _, _, entry = struct.unpack_from("<BBBBI", image)
    assert (magic, segments, entry) == (ESP_IMAGE_MAGIC, 2, 0x4038_0000)  # code (IRAM) and data (DRAM)
    assert struct.unpack_from("<H", image, 12)[0] == ESP32C3_CHIP_ID
    assert built["model_ram_bytes"] > 192 * 1024
    assert cli.main(["build", "--board", C3]) == 0
    assert capsys.readouterr().out.strip() == built["image"]


def test_flash_dry_run_prints_the_esptool_command(capsys, monkeypatch):
    monkeypatch.setattr("hil.targets.physical.list_ports.comports", lambda: [])
    assert cli.main(["flash", "--board", C3, "--dry-run"]) == 0
    line = capsys.readouterr().out.strip()
    image = firmware_dir() / "build/esp32c3/hil-fw.bin"
    assert line == f"{sys.executable} -m esptool --chip esp32c3 --baud 460800 write-flash 0x0 {image}"


def test_flash_without_a_c3_is_one_line(capsys, monkeypatch):
    monkeypatch.setattr("hil.targets.physical.list_ports.comports", lambda: [])
    assert cli.main(["flash", "--board", C3]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (f"hil: error: no {C3} connected: wanted a USB serial device 303a:1001, found none "
                   "(plug the board in, or pass --url)")  # fmt: skip


def test_esptool_failing_is_one_line(capsys, monkeypatch, tmp_path):
    """A port that vanished between the search and the write: esptool's own last word, on one line."""
    gone = str(tmp_path / "ttyACM9")
    monkeypatch.setattr("hil.targets.esp.EsptoolTarget.find_port", lambda self: gone)
    assert cli.main(["flash", "--board", C3]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("hil: error: ") and f"--port {gone}" in err and "write-flash" in err
    assert f"failed: ERROR: A fatal error occurred: Could not open {gone}" in err  # esptool's error, not its hint


def test_qemu_rv32_boots_the_elf_on_virt_and_has_no_flash_slot(capsys, tmp_path):
    assert cli.main(["flash", "--board", EMULATED, "--dry-run"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("qemu-system-riscv32 -M virt -bios none ") and " -icount shift=0 " in line
    assert line.endswith(" -serial chardev:hil") and "-serial null" not in line  # virt's only UART is the link
    model = tmp_path / "m.hilm"
    model.write_bytes(mlp_model().blob)
    assert cli.main(["flash", "--board", EMULATED, "--model", str(model), "--dry-run"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("hil: error: model needs ") and err.endswith("qemu-rv32 has no flash slot")


def _limits(board: str):
    return model_limits(get_board(board))


def test_hil_run_of_a_model_too_big_for_the_c3_is_one_line(tmp_path, capsys):
    """~300 KiB of weights: more than the C3's model RAM, and it has no flash slot (the F446's slot would hold it)."""
    import numpy as np

    path = tmp_path / "big.hilm"
    path.write_bytes(mlp_model((512, 560, 64)).blob)
    np.save(tmp_path / "x.npy", np.zeros((1, 512), np.int8))
    room = _limits(EMULATED).model_ram_bytes
    assert cli.main(["run", "--board", EMULATED, "--model", str(path), "--input", str(tmp_path / "x.npy"), "--out",
                     str(tmp_path / "y.npy")]) == 1  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("hil: error: model needs ")
    assert err.endswith(f"qemu-rv32 has {room:,} B for models and no flash slot")
    assert check_fits(len(path.read_bytes()), 0, _limits("qemu-f446"))["placement"] == "flash"


def test_the_slot_tests_run_on_every_board_with_a_slot():
    assert SLOT_BOARDS == [b for b in LINK_BOARDS if _limits(b).slot_bytes > 0]


def test_a_model_that_fits_one_board_and_not_the_other_names_the_board_and_its_limit():
    """The C3 has more RAM than the F446 but no flash slot: a 150 KiB model runs from the C3's RAM and from the
    F446's slot; a 300 KiB one only from the F446's slot; the refusal names the board and its room."""
    f446, rv32 = _limits("qemu-f446"), _limits(EMULATED)
    mid, big, arena = 150 * 1024, 300 * 1024, 4096
    assert check_fits(mid, arena, rv32)["placement"] == "ram" and check_fits(mid, arena, f446)["placement"] == "flash"
    assert check_fits(big, arena, f446)["placement"] == "flash"
    with pytest.raises(BudgetError) as err:
        check_fits(big, arena, rv32)
    assert str(err.value) == (f"model needs {big + arena:,} B of RAM (blob {big:,} B + arena {arena:,} B); qemu-rv32 "
                              f"has {rv32.model_ram_bytes:,} B for models and no flash slot")  # fmt: skip


# --- a real ESP32-C3 ------------------------------------------------------------------------------------

def _c3(hw):
    if hw[0] != C3:
        pytest.skip(f"the real board given is {hw[0]}, not an {C3}")
    return hw


C3_ONLY = "needs a real ESP32-C3 on USB 303a:1001 (--hw-board esp32c3-devkitm): no emulator models the C3's ROM, "


@pytest.mark.hw(reason=C3_ONLY + "which loads the ESP image; qemu-rv32 boots the same sources by -kernel")
def test_c3_boots_the_esp_image(hw, capsys):
    board, url = _c3(hw)
    assert cli.main(["flash", "--board", board]) == 0
    with open_board(board, url=url) as session:
        assert (session.board_info.board_id, session.board_info.reset_cause) == (C3, "power-on")


@pytest.mark.hw(reason=C3_ONLY + "its USB Serial/JTAG link, or its mpccr cycle counter")
def test_c3_counts_cycles_with_mpccr(hw):
    board, url = _c3(hw)
    with open_board(board, url=url) as session:
        assert session.board_info.counter == "mpccr" and not session.board_info.fpu
        a, b = session.spin(1000), session.spin(2000)
        assert b > a > 0 and session.echo(b"x" * 4000) == b"x" * 4000
        assert session.reset() == "software"
