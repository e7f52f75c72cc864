"""Byte budgets as users write them: `64kB`, `64KiB`, `65536`, `0.5MiB`.

Convention (stated in `hil search --help`): decimal prefixes are SI powers of 1000 and binary
prefixes IEC powers of 1024, so 64kB = 64,000 bytes and 64KiB = 65,536 bytes. `KB` is read as kB
(SI) because that is what a `k` means; write KiB for 1024. Bare numbers are bytes.
"""

from __future__ import annotations

import re

from hil.errors import ConfigError

_UNITS = {
    "": 1, "b": 1,
    "kb": 1000, "mb": 1000**2,
    "kib": 1024, "mib": 1024**2,
}  # fmt: skip
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_budget(text: str) -> int:
    """The budget in bytes; ConfigError naming what was wanted for anything else."""
    m = _PATTERN.match(str(text))
    unit = m.group(2).lower() if m else None
    if m is None or unit not in _UNITS:
        raise ConfigError(f"--budget: wanted bytes like 65536, 64kB (x1000) or 64KiB (x1024), got '{text}'")
    size = float(m.group(1)) * _UNITS[unit]
    if size < 1 or size != int(size):
        raise ConfigError(f"--budget: wanted a whole number of bytes >= 1, got '{text}' = {size:g} B")
    return int(size)


def format_bytes(n: float) -> str:
    """65536 -> '65,536 B (64.0 KiB)'."""
    return f"{int(n):,} B ({n / 1024:.1f} KiB)"
