"""nsnet2-exits-layerwise: Dynamic nsNet2 for the F446, topology plain, layerwise training.

The family and its topologies: models/nsnet2-exits/recipe.py.

Train: hil train nsnet2-exits-layerwise [--data DIR] [--seed S] [--epochs E] [--out DIR]
"""

from __future__ import annotations

NAME, TOPOLOGY, TRAINING = "nsnet2-exits-layerwise", "plain", "layerwise"
TAKES_DATA = True


def run(seed: int = 0, data=None, epochs: int | None = None, out=None) -> dict:
    from hil.zoo import load_recipe

    return load_recipe("nsnet2-exits").run(seed, data, epochs, out, NAME, TOPOLOGY, TRAINING)
