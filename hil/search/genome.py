"""Genomes: one bit width (2..8) per quantized operator, as a tuple of ints; a problem may give its genes
other integer ranges (`gene_ranges`, e.g. an exit policy's threshold steps).

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


def parse_genome_key(key: str, bit_widths: bool = True) -> tuple[int, ...]:
    """The genome of a key; its genes checked as bit widths, or (bit_widths=False) as integers >= 0."""
    try:
        genome = tuple(int(b) for b in key.split("-"))
    except ValueError:
        raise ConfigError(f"genome key: wanted bit widths joined by '-', got '{key}'") from None
    check_genome(genome, len(genome), () if bit_widths else ((0, 1 << 30),) * len(genome))
    return genome


def gene_range(ranges: Sequence, i: int) -> tuple[int, int]:
    """Gene i's (lowest, highest) value: the problem's, else a bit width's."""
    return tuple(ranges[i]) if ranges else (MIN_BITS, MAX_BITS)


def check_genome(genome: Sequence[int], length: int, ranges: Sequence = ()) -> None:
    if len(genome) != length:
        raise ConfigError(f"genome: wanted {length} genes, got {len(genome)}")
    for i, b in enumerate(genome):
        lo, hi = gene_range(ranges, i)
        if not lo <= int(b) <= hi:
            what = "bit widths" if not ranges else f"gene {i}"
            raise ConfigError(f"genome: wanted {what} in {lo}..{hi}, got {b}")


def uniform(bits: int, length: int, ranges: Sequence = ()) -> tuple[int, ...]:
    """`bits` everywhere, each gene clipped into its range."""
    return tuple(min(max(bits, gene_range(ranges, i)[0]), gene_range(ranges, i)[1]) for i in range(length))


def random_genome(rng: random.Random, length: int, ranges: Sequence = ()) -> list[int]:
    return [rng.randint(*gene_range(ranges, i)) for i in range(length)]
