"""Models kept in the flash slot (hil/slot.h): flashed, checked at boot as an upload is, run in place with
only their arena in RAM, bit-exact with TFLM and the simulator; blank and corrupt slots are reported and
never run; the RAM upload keeps working beside them. On the emulated board and the host build."""

from __future__ import annotations

import json
import zlib

import numpy as np
import pytest

from hil import cli
from hil.boards import get_board
from hil.errors import BudgetError, DeviceError
from hil.link.protocol import Cmd, Status
from hil.link.slot import load_slot, slot_image
from hil.link.upload import ensure_model
from hil.run.rows import run_rows
from hil.sim import Simulator
from hil.targets import target_for
from hil.targets.limits import model_limits
from hil.targets.slot import slot_file, write_slot_file
from tests.conftest import SLOT_BOARDS, open_board
from tests.fuzz.slot_seeds import bad_offset_image
from tests.graphs import mlp_model

@pytest.fixture(scope="module")
def big():
    """The MLPerf Tiny anomaly-detection autoencoder (307 KB int8, FULLY_CONNECTED only): more than the
    F446's model RAM, less than its flash slot."""
    from hil.bench import gallery
    from hil.compile.compiler import compile_tflite

    tflite = gallery.tflite("fc-ae-ad")
    return tflite, compile_tflite(tflite)


@pytest.fixture
def slots(tmp_path, monkeypatch):
    """This test's own slot files: every board starts blank."""
    monkeypatch.setenv("HIL_SLOTS", str(tmp_path / "slots"))
    return tmp_path / "slots"


@pytest.fixture(params=SLOT_BOARDS)
def board(request, slots):
    request.getfixturevalue("stm32_elf" if request.param == "qemu-f446" else "host_exe")
    return request.param


def _write_image(board: str, image: bytes) -> None:
    """Put an image into the board's slot file as `hil flash` would, without any check."""
    write_slot_file(get_board(board), image, pad_to=model_limits(get_board(board)).slot_bytes)


def _bad_crc(blob: bytes) -> bytes:
    image = bytearray(slot_image(blob))
    image[-1] ^= 0x55  # the last weight byte: the image's CRC-32 no longer matches
    return bytes(image)


def test_slot_is_flash_sectors_5_to_7_beside_the_firmware(stm32_elf):
    from hil.targets.firmware import image_sizes

    sizes = image_sizes(stm32_elf)
    assert (sizes["slot_address"], sizes["slot_bytes"]) == (0x0802_0000, 384 * 1024)
    assert sizes["flash_bytes"] <= 128 * 1024  # sectors 0-4: the firmware's part
    limits = model_limits(get_board("qemu-f446"))
    assert (limits.slot_address, limits.slot_bytes) == (0x0802_0000, 384 * 1024)
    assert model_limits(get_board("host")).slot_bytes == 1 << 20  # boards/host.yaml
    assert model_limits(get_board("esp32-devkitc")).slot_bytes == 0  # no slot: RAM uploads only


def test_big_model_runs_from_flash_bit_exact_with_tflm_and_simulator(board, big):
    from hil.step.reference import run_tflm

    tflite, model = big
    x = np.random.default_rng(5).integers(-128, 128, size=(4, 640), dtype=np.int8)
    want = run_tflm(tflite, [x])[0].reshape(4, 1, 640)
    assert np.array_equal(Simulator(model.blob).run(x)[0], want)
    flashed = target_for(get_board(board)).flash_model(model.blob)
    assert flashed["slot"]["state"] == "valid" and flashed["model_in"] == "flash"
    assert slot_file(get_board(board)).read_bytes()[16 : 16 + len(model.blob)] == model.blob
    with open_board(board) as s:
        if board == "qemu-f446":
            assert len(model.blob) > s.board_info.model_ram_bytes  # it could never be uploaded there
        for reference in (False, True):
            outs, figures = run_rows(s, model, [x], reference=reference)
            assert (figures["uploaded"], figures["model_in"]) == (False, "flash")
            diff = np.argwhere(outs[0] != want)
            assert diff.size == 0, f"{board}: {len(diff)} outputs differ from TFLM, first {diff[:3]}"


def test_flash_and_ram_models_take_turns(slots, big, stm32_elf):
    """A RAM upload replaces the flash model; the flash model comes back by SLOT_LOAD (no upload), and after
    a reset from the slot at boot."""
    _, model = big
    small = mlp_model()
    target_for(get_board("qemu-f446")).flash_model(model.blob)
    x_big = np.random.default_rng(1).integers(-128, 128, size=(2, 640), dtype=np.int8)
    x_small = np.random.default_rng(2).integers(-128, 128, size=(2, 40), dtype=np.int8)
    with open_board("qemu-f446") as s:
        first, _ = run_rows(s, model, [x_big])
        out, figures = run_rows(s, small, [x_small])
        assert (figures["uploaded"], figures["model_in"]) == (True, "ram")
        assert np.array_equal(out[0], Simulator(small.blob).run(x_small)[0])
        again, figures = run_rows(s, model, [x_big])
        assert (figures["uploaded"], figures["model_in"]) == (False, "flash")
        assert np.array_equal(again[0], first[0])
        ensure_model(s, small.blob)
        s.reset()
        info = s.model_info()
        assert (info["state"], info["in"], info["crc32"]) == ("loaded", "flash", zlib.crc32(model.blob))


@pytest.mark.parametrize("case", ["blank", "bad-crc", "bad-offset", "not-a-slot"])
def test_blank_and_corrupt_slots_are_reported_and_never_run(board, case, big):
    _, model = big
    blob = mlp_model().blob
    image = {"blank": b"", "bad-crc": _bad_crc(blob), "bad-offset": bad_offset_image(blob),
             "not-a-slot": blob}[case]  # fmt: skip
    _write_image(board, image)
    want = {"blank": ("blank", "no_model")}.get(case, ("bad", "bad_model"))
    with open_board(board) as s:
        info = s.model_info()
        assert (info["slot"]["state"], info["slot"]["status"]) == want
        assert info["state"] != "loaded"
        assert s.exchange(Cmd.INVOKE, b"\x00" + bytes(40)).status == Status.NO_MODEL
        with pytest.raises(DeviceError, match=f"did not load its flash slot: slot {want[0]}"):
            load_slot(s)
        assert s.echo(b"still here") == b"still here"
        if board == "qemu-f446":
            with pytest.raises(BudgetError, match=r"write it into the slot with `hil flash --board qemu-f446"):
                ensure_model(s, model.blob)
        outs, figures = run_rows(s, mlp_model(), [np.zeros((1, 40), np.int8)])  # RAM uploads still work
        assert figures["uploaded"] and figures["model_in"] == "ram"
        assert np.array_equal(outs[0], Simulator(blob).run(np.zeros((1, 40), np.int8))[0])
        assert s.model_info()["slot"]["state"] == want[0]


def test_an_emulator_keeps_its_slot_image_for_its_life(board):
    blob = mlp_model().blob
    _write_image(board, slot_image(blob))
    with open_board(board) as s:
        _write_image(board, b"")  # the file is erased while the board runs ...
        s.reset()  # ... but the board's flash is not
        assert s.model_info()["slot"]["state"] == "valid"
        assert load_slot(s)["crc32"] == zlib.crc32(blob)
    with open_board(board) as s:  # the next start boots with the file as it is now
        assert s.model_info()["slot"]["state"] == "blank"


def test_boot_check_of_the_307_kb_slot_in_instructions(slots, big, stm32_elf):
    """The boot figure: the slot's CRC-32, then the loader's (the blob's own CRC and every offset), counted
    by TIM2 under -icount: executed instructions, the same every boot."""
    _, model = big
    target_for(get_board("qemu-f446")).flash_model(model.blob)
    with open_board("qemu-f446") as s:
        first = s.model_info()["slot"]["check_cycles"]
        assert s.board_info.counter == "tim2-icount"
        again = load_slot(s)["check_cycles"]
    assert abs(again - first) < 100  # deterministic up to the counter read
    per_byte = first / (2 * len(model.blob))  # two CRC passes dominate
    assert 5 < per_byte < 20, f"{first:,} instructions for {len(model.blob):,} B"


def test_flash_refuses_what_the_slot_cannot_hold(slots, big):
    too_big = bytes(400 * 1024)
    with pytest.raises(BudgetError, match=r"needs 409,616 B of flash \(slot header \+ blob\); qemu-f446 has a "
                                          r"393,216 B flash slot"):  # fmt: skip
        target_for(get_board("qemu-f446")).flash_model(too_big, dry_run=True)
    with pytest.raises(BudgetError, match="esp32-devkitc has no flash slot"):
        target_for(get_board("esp32-devkitc")).flash_model(big[1].blob, dry_run=True)
    assert not slots.exists()  # nothing was written


@pytest.mark.parametrize("board_name", ["qemu-f446", "nucleo-f446", "host"])
def test_flash_dry_run_prints_the_exact_command_and_writes_nothing(capsys, slots, tmp_path, board_name):
    model = tmp_path / "m.hilm"
    model.write_bytes(mlp_model().blob)
    assert cli.main(["flash", "--board", board_name, "--model", str(model), "--dry-run"]) == 0
    out = capsys.readouterr().out.strip()
    image = slots / f"{board_name}.bin"
    if board_name == "qemu-f446":
        assert out.startswith("qemu-system-arm -M netduinoplus2 ") and " -kernel " in out
        assert out.endswith(f" -device loader,file={image},addr=0x08020000")
    elif board_name == "nucleo-f446":
        assert out == f"openocd -f board/st_nucleo_f4.cfg -c 'program {{{image}}} 0x08020000 verify reset exit'"
    else:
        assert out.startswith(f"env HIL_HOST_PORT=0 HIL_HOST_SLOT={image} ") and out.endswith("/host/hil-fw")
    assert cli.main(["flash", "--board", board_name, "--dry-run"]) == 0  # the firmware's dry run
    capsys.readouterr()
    assert not slots.exists()


def test_flash_cli_then_info_says_where_the_model_is(capsys, slots, tmp_path, host_exe):
    model = tmp_path / "m.hilm"
    model.write_bytes(mlp_model().blob)
    assert cli.main(["flash", "--board", "host", "--model", str(model)]) == 0
    flashed = json.loads(capsys.readouterr().out)
    assert (flashed["slot"]["state"], flashed["model_in"]) == ("valid", "flash")
    assert cli.main(["info", "--board", "host", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)["model"]
    assert (info["state"], info["in"], info["slot"]["state"]) == ("loaded", "flash", "valid")
    assert cli.main(["info", "--board", "host"]) == 0
    table = capsys.readouterr().out
    assert "model_slot" in table and f"valid: {len(model.read_bytes()):,} B" in table


@pytest.mark.hw(reason="writes the model slot of a real NUCLEO-F446RE through its ST-LINK (openocd): run with "
                       "--hw-board nucleo-f446")  # fmt: skip
def test_real_board_runs_a_model_from_flash(hw, big):
    name, url = hw
    tflite, model = big
    target = target_for(get_board(name))
    assert target.flash_model(model.blob)["slot"]["state"] == "valid"
    x = np.random.default_rng(5).integers(-128, 128, size=(2, 640), dtype=np.int8)
    with target.session(url) as s:
        outs, figures = run_rows(s, model, [x])
    assert figures["model_in"] == "flash"
    assert np.array_equal(outs[0], Simulator(model.blob).run(x)[0])
