"""The operators of one GRU layer that carry a bit width, and genomes over them.

A genome is a tuple of ints in 2..8, one per operator of `OPERATORS`, layer after layer
(layer 0's operators first). A config is the same as a dict {operator: bits} per layer.
The arithmetic each operator stands for: hil/mpgru/quant.py and docs/mpgru.md."""

from __future__ import annotations

from hil.errors import ConfigError

# The fixed order of a layer's operators in a genome.
OPERATORS = (
    "W_z", "W_r", "W_h",  # input weight matrices
    "U_z", "U_r", "U_h",  # recurrent weight matrices
    "b_z", "b_r", "b_h",  # biases (b_h: the input and the recurrent candidate bias)
    "z_pre", "r_pre", "h_pre",  # requantised pre-activations (the LUT index)
    "z", "r", "h_cand",  # sigmoid and tanh outputs
    "rh",  # the reset product r * (U_h h + b_h_rec)
    "zh",  # the update product z * (h - h_cand)
    "h",  # the hidden state
)  # fmt: skip
MIN_BITS, MAX_BITS = 2, 8

Genome = tuple[int, ...]


def check_bits(name: str, bits) -> int:
    if isinstance(bits, bool) or not isinstance(bits, int) or not MIN_BITS <= bits <= MAX_BITS:
        raise ConfigError(f"wanted bits in {MIN_BITS}..{MAX_BITS} for {name}, got {bits!r}")
    return bits


def validate(genome, layers: int | None = None) -> Genome:
    """The genome as a tuple, checked: a whole number of layers, every width in 2..8."""
    genome = tuple(genome)
    n = len(OPERATORS)
    if not genome or len(genome) % n:
        raise ConfigError(f"wanted a genome of {n} bits per GRU layer, got {len(genome)} values")
    if layers is not None and len(genome) != n * layers:
        raise ConfigError(f"wanted a genome for {layers} GRU layer(s) ({n * layers} values), got {len(genome)}")
    for i, bits in enumerate(genome):
        check_bits(operator_name(i), bits)
    return genome


def operator_name(i: int) -> str:
    """'W_z' for layer 0, 'layer1.W_z' for layer 1, ..."""
    layer, op = divmod(i, len(OPERATORS))
    return OPERATORS[op] if layer == 0 else f"layer{layer}.{OPERATORS[op]}"


def layers_of(genome) -> int:
    return len(validate(genome)) // len(OPERATORS)


def to_config(genome) -> list[dict[str, int]]:
    """One {operator: bits} dict per layer."""
    g = validate(genome)
    n = len(OPERATORS)
    return [dict(zip(OPERATORS, g[i : i + n])) for i in range(0, len(g), n)]


def from_config(config) -> Genome:
    """A config (one dict per layer, or one dict for a single layer) back to a genome."""
    layers = [config] if isinstance(config, dict) else list(config)
    out = []
    for li, layer in enumerate(layers):
        if not isinstance(layer, dict) or set(layer) != set(OPERATORS):
            got = sorted(layer) if isinstance(layer, dict) else type(layer).__name__
            raise ConfigError(f"layer {li} config: wanted the operators {', '.join(OPERATORS)}, got {got}")
        out.extend(layer[name] for name in OPERATORS)
    return validate(out)


def uniform_genome(bits: int, layers: int = 1) -> Genome:
    """Every operator of every layer at `bits` (the homogeneous baselines: 8, 6, 4)."""
    check_bits("every operator", bits)
    return (bits,) * (len(OPERATORS) * layers)
