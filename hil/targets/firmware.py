"""Offline firmware builds with Make and Debian's toolchains."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from elftools.elf.elffile import ELFFile

from hil.errors import BuildError, ToolMissingError
from hil.paths import firmware_dir

_OUTPUTS = {"stm32f4": "stm32f4/hil-fw.elf", "rv32": "rv32virt/hil-fw.elf", "esp32c3": "esp32c3/hil-fw.elf",
            "host": "host/hil-fw", "sim": "sim/libhil.so", "sim-rv32": "sim-rv32/libhil.so", "fuzz": "fuzz/fuzz_link",
            "fuzz_loader": "fuzz/fuzz_loader"}
_COMPILERS = {
    "stm32f4": ("arm-none-eabi-gcc", "gcc-arm-none-eabi"),
    "rv32": ("riscv64-unknown-elf-gcc", "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf"),
    "esp32c3": ("riscv64-unknown-elf-gcc", "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf"),
    "host": ("cc", "gcc"),
    "sim": ("cc", "gcc"),
    "sim-rv32": ("cc", "gcc"),
    "fuzz": ("clang", "clang"),
    "fuzz_loader": ("clang", "clang"),
}


def build(target: str) -> Path:
    """`make -C firmware <target>`; returns the output path. Incremental, so cheap when fresh."""
    if target not in _OUTPUTS:
        raise BuildError(f"unknown firmware target '{target}': wanted one of {', '.join(_OUTPUTS)}")
    compiler, package = _COMPILERS[target]
    if shutil.which(compiler) is None:
        raise ToolMissingError(f"{compiler} not found: install the Debian package {package} (make setup does)")
    if shutil.which("make") is None:
        raise ToolMissingError("make not found: install the Debian package make")
    goal = "build/" + _OUTPUTS[target] if target.startswith("fuzz") else target
    proc = subprocess.run(["make", "-C", str(firmware_dir()), goal], capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise BuildError(f"firmware build '{target}' failed: {tail[0]}")
    return output_path(target)


def output_path(target: str) -> Path:
    """Where `make -C firmware <target>` puts its output (built or not)."""
    return firmware_dir() / "build" / _OUTPUTS[target]


def image_sizes(elf: Path) -> dict:
    """Flash and RAM use of a firmware ELF (STM32, RISC-V) and where its model slot is, from its section headers
    and symbols. flash_bytes: what the image stores (the RISC-V ones load it all into SRAM)."""
    with elf.open("rb") as f:
        image = ELFFile(f)
        sections = {s.name: s["sh_size"] for s in image.iter_sections()}
        symbols = {s.name: s["st_value"] for s in image.get_section_by_name(".symtab").iter_symbols()}
    flash = sum(sections.get(name, 0) for name in (".isr_vector", ".text", ".ARM.exidx", ".rodata", "hil_ops", ".data"))
    static_ram = sum(sections.get(name, 0) for name in (".data", ".bss", ".noinit"))
    return {
        "flash_bytes": flash,
        "static_ram_bytes": static_ram,
        "stack_bytes": sections.get(".stack", 0),
        "model_ram_bytes": symbols["_model_end"] - symbols["_model_start"],
        "slot_address": symbols.get("_slot_start", 0),
        "slot_bytes": symbols.get("_slot_end", 0) - symbols.get("_slot_start", 0),
    }
