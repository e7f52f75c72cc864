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
