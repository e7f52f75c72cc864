"""Genomes: one bit width (2..8) per quantized operator, as a tuple of ints.

A genome's key (`genome_key`) is its canonical text; the store and the evaluation cache use it, so
identical genomes are never evaluated twice.
"""

from __future__ import annotations

import random
from typing import Sequence

from hil.errors import ConfigError
from hil.mpgru.genome import MAX_BITS, MIN_BITS


def genome_key(genome: Sequence[int]) -> str:
    return "-".join(str(int(b)) for b in genome)


def parse_genome_key(key: str) -> tuple[int, ...]:
    try:
        genome = tuple(int(b) for b in key.split("-"))
    except ValueError:
        raise ConfigError(f"genome key: wanted bit widths joined by '-', got '{key}'") from None
    check_genome(genome, len(genome))
    return genome


def check_genome(genome: Sequence[int], length: int) -> None:
    if len(genome) != length:
        raise ConfigError(f"genome: wanted {length} bit widths, got {len(genome)}")
    bad = [b for b in genome if not MIN_BITS <= int(b) <= MAX_BITS]
    if bad:
        raise ConfigError(f"genome: wanted bit widths in {MIN_BITS}..{MAX_BITS}, got {bad[0]}")


def uniform(bits: int, length: int) -> tuple[int, ...]:
    return (bits,) * length


def random_genome(rng: random.Random, length: int) -> list[int]:
    return [rng.randint(MIN_BITS, MAX_BITS) for _ in range(length)]
