import json
from pathlib import Path

import pytest
import yaml

from hil import cli
from hil.boards import all_boards, get_board, load_board_file
from hil.errors import ConfigError
from hil.paths import boards_dir

GOOD = yaml.safe_load((boards_dir() / "nucleo-f446.yaml").read_text())


def test_shipped_boards_validate():
    boards = all_boards()
    assert {"nucleo-f446", "qemu-f446", "esp32-devkitc", "host"} <= set(boards)
    nucleo, qemu = boards["nucleo-f446"], boards["qemu-f446"]
    assert (nucleo.kind, nucleo.mcu, nucleo.core) == ("physical", "STM32F446RE", "cortex-m4f")
    assert (nucleo.clock_hz, nucleo.flash_bytes, nucleo.ram_bytes) == (180_000_000, 512 * 1024, 128 * 1024)
    assert nucleo.firmware.platformio_env == "nucleo_f446re"
    assert qemu.kind == "emulated" and qemu.emulator.emulates == "nucleo-f446"
    assert (qemu.clock_hz, qemu.flash_bytes, qemu.ram_bytes) == (nucleo.clock_hz, nucleo.flash_bytes, nucleo.ram_bytes)
    assert qemu.firmware.make_target == nucleo.firmware.make_target  # one ELF for both
    assert boards["esp32-devkitc"].firmware.platformio_env == "esp32dev"


def _write(tmp_path: Path, data, name="nucleo-f446") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def _with(**changes) -> dict:
    data = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        section, _, field = key.partition("__")
        target = data[section] if field else data
        if value is None:
            target.pop(field or section)
        else:
            target[field or section] = value
    return data


@pytest.mark.parametrize(
    "data, expected",
    [
        (_with(clock_hz=None), "key 'clock_hz' is missing"),
        (_with(clock_hz="fast"), "key 'clock_hz': Input should be a valid integer"),
        (_with(ram_bytes=-1), "key 'ram_bytes': Input should be greater than or equal to 0, got -1"),
        (_with(clok_hz=5), "key 'clok_hz' is not a known board key"),
        (_with(kind="virtual"), "key 'kind'"),
        (_with(link__usb_vid=0x1FFFF), "key 'link.usb_vid'"),
        (_with(firmware__platformio_env=None), "a physical board needs firmware.platformio_env"),
        (_with(name="other"), "key 'name': wanted 'nucleo-f446' (the file name), got 'other'"),
        (_with(probe={"tool": "openocd"}), "openocd needs its board script in 'config'"),
        (_with(probe={"tool": "jlink"}), "key 'probe.tool'"),
        (_with(firmware__model_slot_bytes=4096), "model_slot_bytes goes with model_region_bytes"),
        ("name: [unclosed", "not valid YAML"),
        ("- a list", "wanted a mapping of board keys, got list"),
    ],
)
def test_bad_board_file_names_file_and_key(tmp_path, data, expected):
    path = _write(tmp_path, data)
    with pytest.raises(ConfigError) as err:
        load_board_file(path)
    message = str(err.value)
    assert message.startswith(str(path)), message
    assert expected in message
    assert "\n" not in message


def test_emulated_board_needs_emulator(tmp_path):
    data = yaml.safe_load((boards_dir() / "qemu-f446.yaml").read_text())
    del data["emulator"]
    with pytest.raises(ConfigError, match="an emulated board needs an 'emulator' section"):
        load_board_file(_write(tmp_path, data, "qemu-f446"))


def test_unknown_board_lists_known_ones():
    with pytest.raises(ConfigError, match="unknown board 'nucleo-f999': wanted one of .*nucleo-f446"):
        get_board("nucleo-f999")


def test_boards_json_lists_required_fields(capsys):
    assert cli.main(["boards", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["qemu-f446"] == {
        "name": "qemu-f446",
        "kind": "emulated",
        "mcu": "STM32F446RE",
        "core": "cortex-m4f",
        "clock_hz": 180_000_000,
        "flash_bytes": 524_288,
        "ram_bytes": 131_072,
    }
    assert rows["nucleo-f446"]["kind"] == "physical"


def test_boards_table_prints(capsys):
    assert cli.main(["boards"]) == 0
    out = capsys.readouterr().out
    assert "nucleo-f446" in out and "esp32-devkitc" in out and "emulated" in out


QEMU = yaml.safe_load((boards_dir() / "qemu-f446.yaml").read_text())


def _qemu_with(section: str, key: str, value) -> dict:
    data = json.loads(json.dumps(QEMU))
    data[section][key] = value
    return data


@pytest.mark.parametrize("value", [True, "1", 1.0], ids=["bool", "string", "float"])
def test_board_integers_are_not_coerced(tmp_path, value):
    """`icount_shift: true` once loaded as 1: YAML values must have the type the key wants."""
    path = _write(tmp_path, _qemu_with("emulator", "icount_shift", value), "qemu-f446")
    with pytest.raises(ConfigError) as err:
        load_board_file(path)
    message = str(err.value)
    assert message.startswith(f"{path}: key 'emulator.icount_shift': Input should be a valid integer"), message


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("clock_hz", "180000000", "key 'clock_hz': Input should be a valid integer"),
        ("clock_hz", True, "key 'clock_hz': Input should be a valid integer"),
        ("ram_bytes", 131072.0, "key 'ram_bytes': Input should be a valid integer"),
        ("link__baud", False, "key 'link.baud'"),
        ("energy__active_power_mw", True, "key 'energy.active_power_mw'"),
        ("energy__active_power_mw", float("inf"), "key 'energy.active_power_mw'"),
        ("mcu", 446, "key 'mcu': Input should be a valid string"),
        ("clock_hz", 10**30, "key 'clock_hz': Input should be less than or equal to"),
    ],
)
def test_board_values_have_exact_types(tmp_path, key, value, expected):
    path = _write(tmp_path, _with(**{key: value}))
    with pytest.raises(ConfigError) as err:
        load_board_file(path)
    assert str(err.value).startswith(f"{path}: {expected}"), str(err.value)


GOOD_TEXT = (boards_dir() / "nucleo-f446.yaml").read_text()


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("café".encode("latin-1"), "wanted UTF-8 text, got byte 0xe9 at offset 3"),
        (GOOD_TEXT.encode().replace(b"ST NUCLEO", b"ST \xff NUCLEO"), "wanted UTF-8 text, got byte 0xff"),
        (GOOD_TEXT.encode("utf-16"), "wanted UTF-8 text"),
        (bytes(range(256)), "wanted UTF-8 text"),
        (b"\x00\x01\x02 junk", "not valid YAML"),
        (b"[" * 5000, "not valid YAML"),
        (b"{a: " * 5000, "not valid YAML"),
        (f"clock_hz: {'9' * 5000}\n".encode(), "not valid YAML"),
        (b"clock_hz: 2001-13-45\n", "not valid YAML"),
        (b"name: !!python/object/apply:os.system [true]\n", "not valid YAML"),
        (b"name: !custom x\n", "not valid YAML"),
        (GOOD_TEXT.replace("mcu: STM32F446RE", "mcu: !!binary U1RNMzI=").encode(), "key 'mcu'"),
        (GOOD_TEXT.replace("mcu: STM32F446RE", "mcu: 2024-01-01").encode(), "key 'mcu'"),
        (GOOD_TEXT.replace("mcu: STM32F446RE", "mcu: !!set {a}").encode(), "key 'mcu'"),
        (GOOD_TEXT.replace("clock_hz: 180000000", f"clock_hz: {'9' * 4000}").encode(), "key 'clock_hz'"),
        (GOOD_TEXT.replace("mcu: STM32F446RE", 'mcu: STM32F446RE\n"a\\nb": 1').encode(), "key 'a\\nb' is not a known"),
        (b"", "wanted a mapping of board keys, got NoneType"),
        (b"42", "wanted a mapping of board keys, got int"),
        (b"--- {}\n--- {}\n", "not valid YAML"),
    ],
    ids=["latin1", "byte-in-good-file", "utf16", "all-bytes", "control-chars", "deep-list", "deep-map",
         "huge-int", "bad-date", "python-tag", "unknown-tag", "binary-tag", "date", "set", "4000-digits",
         "newline-key", "empty", "scalar", "two-documents"],  # fmt: skip
)
def test_any_board_file_is_loaded_or_refused_in_one_line(tmp_path, raw, expected):
    path = tmp_path / "nucleo-f446.yaml"
    path.write_bytes(raw)
    with pytest.raises(ConfigError) as err:
        load_board_file(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and expected in message, message
    assert "\n" not in message and len(message) < 400, message


def test_model_regions_in_board_files_match_the_firmware():
    """Where a port fixes its model region in C, the board's YAML records it: the two may not drift."""
    import re

    from hil.paths import firmware_dir

    checked = 0
    for board in all_boards().values():
        region = board.firmware.model_region_bytes
        if region is None:
            assert board.firmware.make_target, board.name  # read from the built image instead
            continue
        source = "\n".join(p.read_text() for p in (firmware_dir() / "hal" / board.firmware.port).glob("*.c"))
        m = re.search(r"#define\s+\w*MODEL_REGION_BYTES\s+\((\d+)u\s*\*\s*(\d+)u\)", source)
        assert m, f"hal/{board.firmware.port}: no MODEL_REGION_BYTES define"
        assert region == int(m.group(1)) * int(m.group(2)), board.name
        m = re.search(r"#define\s+MODEL_SLOT_BYTES\s+\((\d+)u\s*\*\s*(\d+)u\)", source)
        slot = int(m.group(1)) * int(m.group(2)) if m else None
        assert board.firmware.model_slot_bytes == slot, f"{board.name}: model_slot_bytes against hal/{board.firmware.port}"
        checked += 1
    assert checked >= 2
