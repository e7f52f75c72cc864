"""Byte budgets as users write them: `64kB`, `64KiB`, `65536`, `0.5MiB`, `64.1kB`.

Convention (stated in `hil search --help`): decimal prefixes are SI powers of 1000 and binary
prefixes IEC powers of 1024, so 64kB = 64,000 bytes and 64KiB = 65,536 bytes. `KB` is read as kB
(SI) because that is what a `k` means; write KiB for 1024. Bare numbers are bytes.
The arithmetic is exact (fractions, never floats): a budget is taken when it is a whole number of
bytes, whatever its size, and refused otherwise.
"""

from __future__ import annotations

import re
from fractions import Fraction

from hil.errors import ConfigError

_UNITS = {
    "": 1, "b": 1,
    "kb": 1000, "mb": 1000**2,
    "kib": 1024, "mib": 1024**2,
}  # fmt: skip
_PATTERN = re.compile(r"^\s*([-+]?)(\d{1,60}(?:\.\d{0,60})?|\.\d{1,60})\s*([a-zA-Z]*)\s*$")


def parse_budget(text: str) -> int:
    """The budget in bytes; ConfigError naming what was wanted for anything else."""
    m = _PATTERN.match(str(text))
    unit = m.group(3).lower() if m else None
    if m is None or unit not in _UNITS:
        raise ConfigError(f"--budget: wanted bytes like 65536, 64kB (x1000) or 64KiB (x1024), got '{text}'")
    size = Fraction(m.group(2)) * _UNITS[unit]
    if m.group(1) == "-" and size:
        raise ConfigError(f"--budget: wanted a positive number of bytes, got '{text}', which is negative")
    if size < 1 or size.denominator != 1:
        raise ConfigError(f"--budget: wanted a whole number of bytes >= 1, got '{text}' = {_decimal(size)} B")
    return int(size)


def _decimal(x: Fraction) -> str:
    """An exact decimal of a fraction whose denominator divides a power of ten (all a budget can make)."""
    whole, rest = divmod(x, 1)
    digits = ""
    while rest:
        whole_digit, rest = divmod(rest * 10, 1)
        digits += str(whole_digit)
    return f"{whole}.{digits}" if digits else f"{whole}"


def format_bytes(n: int) -> str:
    """65536 -> '65,536 B (64.0 KiB)', exactly for any size."""
    tenths = round(Fraction(int(n) * 10, 1024))
    return f"{int(n):,} B ({tenths // 10}.{tenths % 10} KiB)"
