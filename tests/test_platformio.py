"""platformio.ini against the offline build, checked without PlatformIO's registry.

The registry is out of reach here, so `pio run` cannot run: these tests parse
platformio.ini with PlatformIO's own ProjectConfig and check that each env
builds the sources the Makefile builds for that port, that the linker script
and extra script it names exist, that the boards' platformio_env names are
real, and that the (uncompiled) ESP32 port implements all of hal.h."""

from __future__ import annotations

import glob
import os
import re
import subprocess
from pathlib import Path

import pytest
from platformio.fs import match_src_files
from platformio.project.config import ProjectConfig

from hil.boards import all_boards
from hil.link.protocol import COUNTER_KINDS

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
NUCLEO, ESP32 = "nucleo_f446re", "esp32dev"
HAL_H = FIRMWARE / "include" / "hil" / "hal.h"
HAL_ESP32 = FIRMWARE / "hal" / "esp32" / "hal_esp32.c"


@pytest.fixture(scope="module")
def config() -> ProjectConfig:
    return ProjectConfig(str(ROOT / "platformio.ini"), parse_extra=False)


def env_option(config: ProjectConfig, env: str, option: str):
    return config.get(f"env:{env}", option)


def src_dir(config: ProjectConfig) -> Path:
    return Path(config.get("platformio", "src_dir"))


def match_src_filter(src: Path, src_filter) -> set[str]:
    """The files a PlatformIO build_src_filter selects, as paths relative to src.

    `+<glob>` adds and `-<glob>` removes what its glob matches, in order; globs
    are relative to src and `**` crosses directories; a match that is a
    directory (as with a pattern ending in `/`) stands for every file below it."""
    text = " ".join(src_filter) if isinstance(src_filter, (list, tuple)) else src_filter
    selected: set[str] = set()
    for action, pattern in re.findall(r"([+-])<([^>]+)>", text):
        hits: set[str] = set()
        for hit in glob.glob(os.path.join(glob.escape(str(src)), pattern), recursive=True):
            path = Path(hit)
            if path.is_dir():
                hits.update(p.relative_to(src).as_posix() for p in path.rglob("*") if p.is_file())
            else:
                hits.add(path.relative_to(src).as_posix())
        selected = selected | hits if action == "+" else selected - hits
    return selected


def env_c_files(config: ProjectConfig, env: str) -> set[str]:
    selected = match_src_filter(src_dir(config), env_option(config, env, "build_src_filter"))
    return {f for f in selected if f.endswith(".c")}


def make_c_files(target: str) -> set[str]:
    """The .c files `make -C firmware <target>` compiles, from a dry run."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env["LC_ALL"] = "C"
    out = subprocess.run(
        ["make", "-C", str(FIRMWARE), "-n", "-B", target], capture_output=True, text=True, check=True, env=env
    ).stdout
    return set(re.findall(r"(?:^|\s)-c\s+(\S+\.c)(?=\s|$)", out, re.M))


def strip_c_comments(text: str) -> str:
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)


def hal_functions() -> set[str]:
    """Names of the functions hal.h declares."""
    return set(re.findall(r"\b(\w+)\s*\([^;{}()]*\)\s*;", strip_c_comments(HAL_H.read_text())))


def defined_functions(sources: list[Path]) -> set[str]:
    text = strip_c_comments("\n".join(p.read_text() for p in sources))
    return set(re.findall(r"\b(\w+)\s*\([^;{}()]*\)\s*\{", text))


# --- the matcher itself ---------------------------------------------------------------------------


def test_matcher_follows_platformio_semantics(tmp_path):
    for rel in ("a.c", "b.c", "d/x.c", "d/e/y.c", "d/e/z.h", "f/w.c"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    assert match_src_filter(tmp_path, "+<*.c>") == {"a.c", "b.c"}
    assert match_src_filter(tmp_path, "+<d/>") == {"d/x.c", "d/e/y.c", "d/e/z.h"}  # trailing /: recursive
    assert match_src_filter(tmp_path, ["+<*>", "-<d/e/>", "-<b.c>"]) == {"a.c", "d/x.c", "f/w.c"}
    assert match_src_filter(tmp_path, "-<a.c> +<a.c>") == {"a.c"}  # applied in order
    assert match_src_filter(tmp_path, "+<a.c> -<a.c>") == set()
    assert match_src_filter(tmp_path, "+<**/*.c> -<f/*.c>") == {"a.c", "b.c", "d/x.c", "d/e/y.c"}


@pytest.mark.parametrize("env", [NUCLEO, ESP32])
def test_matcher_agrees_with_platformio(config, env):
    src_filter = env_option(config, env, "build_src_filter")
    assert match_src_filter(src_dir(config), src_filter) == set(match_src_files(str(src_dir(config)), src_filter))


# --- the config -----------------------------------------------------------------------------------


def test_envs_and_layout(config):
    assert {NUCLEO, ESP32} <= set(config.envs())
    assert config.default_envs() == [NUCLEO]
    assert src_dir(config) == FIRMWARE
    assert Path(config.get("platformio", "include_dir")) == FIRMWARE / "include"
    assert config.validate()


def test_boards_name_existing_envs(config):
    named = {b.name: b.firmware.platformio_env for b in all_boards().values() if b.firmware.platformio_env}
    assert named, "no board names a platformio_env"
    missing = {board: env for board, env in named.items() if env not in config.envs()}
    assert not missing, f"boards name envs that platformio.ini lacks: {missing}"


def test_nucleo_env_is_bare_metal_with_our_startup(config):
    assert env_option(config, NUCLEO, "platform") == "ststm32"
    assert env_option(config, NUCLEO, "board") == "nucleo_f446re"
    assert not env_option(config, NUCLEO, "framework")
    ldscript = ROOT / env_option(config, NUCLEO, "board_build.ldscript")
    assert ldscript.is_file() and ldscript.resolve() == (FIRMWARE / "hal/stm32f4/stm32f446re.ld").resolve()
    assert env_option(config, NUCLEO, "upload_protocol") == "stlink"
    flags = " ".join(env_option(config, NUCLEO, "build_flags"))
    assert "-std=c99" in flags and "HIL_FW_VERSION" in flags


def test_monitor_speeds_match_board_links(config):
    boards = all_boards()
    assert env_option(config, NUCLEO, "monitor_speed") == boards["nucleo-f446"].link.baud
    assert env_option(config, ESP32, "monitor_speed") == boards["esp32-devkitc"].link.baud


def nucleo_extra_script(config) -> Path:
    scripts = env_option(config, NUCLEO, "extra_scripts")
    assert scripts == ["pre:firmware/platformio_extra.py"]
    return ROOT / scripts[0].removeprefix("pre:")


class FakeSConsEnv(dict):
    """Just enough of a SCons environment for the extra script: [] and Append."""

    def Append(self, **kw):  # noqa: N802 - SCons API name
        for key, values in kw.items():
            self.setdefault(key, []).extend(values)


def run_extra_script(path: Path, pioenv: str) -> FakeSConsEnv:
    env = FakeSConsEnv(PIOENV=pioenv)
    scope = {}
    scope["Import"] = lambda name: scope.__setitem__(name, env)
    exec(compile(path.read_text(), str(path), "exec"), scope)
    return env


def test_extra_script_adds_hard_float_to_compile_and_link(config):
    script = nucleo_extra_script(config)
    assert script.is_file()
    env = run_extra_script(script, NUCLEO)
    for scope in ("CCFLAGS", "ASFLAGS", "LINKFLAGS"):
        assert {"-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"} <= set(env.get(scope, [])), scope
    assert "-nostartfiles" in env["LINKFLAGS"]


def test_extra_script_leaves_other_envs_alone(config):
    env = run_extra_script(nucleo_extra_script(config), ESP32)
    assert dict(env) == {"PIOENV": ESP32}


# --- sources per env ------------------------------------------------------------------------------


def test_nucleo_compiles_what_make_stm32f4_compiles(config):
    from_make = make_c_files("stm32f4")
    assert "src/main.c" in from_make and "hal/stm32f4/startup.c" in from_make, from_make
    assert env_c_files(config, NUCLEO) == from_make


def test_nucleo_takes_nothing_from_other_ports(config):
    files = env_c_files(config, NUCLEO)
    assert files
    foreign = {f for f in files if f.startswith(("hal/host/", "hal/esp32/", "fuzz/"))}
    assert not foreign


@pytest.mark.parametrize("make_target", ["stm32f4", "rv32", "esp32c3"])
def test_esp32_takes_its_hal_and_no_other(config, make_target):
    files = env_c_files(config, ESP32)
    assert "hal/esp32/hal_esp32.c" in files
    assert {f for f in files if f.startswith("hal/")} == {"hal/esp32/hal_esp32.c"}
    assert not {f for f in files if f.startswith("fuzz/")}
    # Same core as each of the Makefile's MCU ports (Cortex-M4, RISC-V): everything it builds outside its HAL,
    # its core's kernel sets (src/runtime/kernel_sets/: the M4's, every op optimised, for the ESP32) and a core's
    # own kernels (src/kernels/rv32/: the RISC-V ports')
    per_core = ("hal/", "src/runtime/kernel_sets/", "src/kernels/rv32/")
    core = {f for f in make_c_files(make_target) if not f.startswith(per_core)}
    assert {f for f in files if not f.startswith(per_core)} == core
    assert {f for f in files if f.startswith(per_core[1])} == {"src/runtime/kernel_sets/every_op.c"}


def cmake_component_sources() -> set[str]:
    """SRCS of idf_component_register in firmware/CMakeLists.txt, globs expanded."""
    text = re.sub(r"#[^\n]*", "", (FIRMWARE / "CMakeLists.txt").read_text())
    globs = dict(re.findall(r'file\(\s*GLOB\s+(\w+)\s+"([^"]+)"\s*\)', text))
    register = re.search(r"idf_component_register\((.*?)\)", text, re.S)
    assert register, "no idf_component_register in firmware/CMakeLists.txt"
    srcs = re.search(r"\bSRCS\b(.*?)(?:\b(?:INCLUDE_DIRS|PRIV_INCLUDE_DIRS|REQUIRES|PRIV_REQUIRES)\b|$)",
                     register.group(1), re.S)
    result = set()
    for quoted, var in re.findall(r'"([^"]*)"|\$\{(\w+)\}', srcs.group(1)):
        pattern = (globs[var] if var else quoted).replace("${COMPONENT_DIR}/", "")
        for hit in glob.glob(str(FIRMWARE / pattern)):
            result.add(Path(hit).relative_to(FIRMWARE).as_posix())
    return result


def test_esp32_cmake_component_builds_the_filtered_sources(config):
    # ESP-IDF ignores build_src_filter and compiles the component's SRCS.
    assert cmake_component_sources() == env_c_files(config, ESP32)


# --- the ESP32 port -------------------------------------------------------------------------------


def test_hal_h_parses():
    assert {"hal_init", "hal_serial_getc", "hal_system_reset", "hal_model_region"} <= hal_functions()


# A port's folders under hal/: the RISC-V ones share hal/riscv.
PORT_FOLDERS = {"esp32": ["esp32"], "stm32f4": ["stm32f4"], "host": ["host"], "rv32virt": ["riscv", "rv32virt"],
                "esp32c3": ["riscv", "esp32c3"]}


@pytest.mark.parametrize("port", sorted(PORT_FOLDERS))  # the compiled ports keep the parsing honest
def test_port_defines_every_hal_function(port):
    sources = sorted(p for folder in PORT_FOLDERS[port] for p in (FIRMWARE / "hal" / folder).glob("*.c"))
    assert sources
    missing = hal_functions() - defined_functions(sources)
    assert not missing, f"hal/{port} lacks {sorted(missing)}"


def test_esp32_port_matches_its_board_file():
    board = all_boards()["esp32-devkitc"]
    src = strip_c_comments(HAL_ESP32.read_text())
    assert f'.board_id = "{board.name}"' in src
    for value in (board.clock_hz, board.flash_bytes, board.ram_bytes, board.link.baud):
        assert re.search(rf"\b{value}u?\b", src), value
    assert ".counter = HIL_COUNTER_CCOUNT" in src
    assert re.search(r"\bvoid\s+app_main\s*\(\s*void\s*\)\s*\{[^}]*\bmain\s*\(\s*\)", src)


def test_counter_kinds_match_hal_enum():
    enum = re.findall(r"\bHIL_COUNTER_(\w+)\s*=\s*(\d+)", strip_c_comments(HAL_H.read_text()))
    assert {int(v): name.lower().replace("_", "-") for name, v in enum} == COUNTER_KINDS
