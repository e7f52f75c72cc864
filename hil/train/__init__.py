"""Retraining a zoo model from its recipe (`hil train NAME [--data DIR] [--seed S] [--epochs E] [--out DIR]`).

Recipes that learn from a speech corpus say so with `TAKES_DATA = True` and provide
`run(seed, data, epochs, out) -> card`; --data is then any folder in the hil.audio.corpus layout
(DIR/<split>/noisy/*.wav + DIR/<split>/clean/*.wav, splits train and test used). The other recipes make
their own synthetic data and are run through their `main([--seed S] [--out DIR])`.
The command shell is hil/train/cli.py.
"""

from __future__ import annotations

from pathlib import Path

from hil.errors import ConfigError


def recipe_names() -> list[str]:
    """The zoo folders that hold a recipe.py."""
    from hil.zoo import zoo_dir

    root = zoo_dir()
    return sorted(p.name for p in root.iterdir() if (p / "recipe.py").is_file()) if root.is_dir() else []


def _check_corpus(data: Path) -> None:
    """Fail before training, not after: the splits the recipes read must be there with clean twins."""
    from hil.audio.corpus import load_split

    if not data.is_dir():
        raise ConfigError(f"--data {data}: wanted a corpus folder (DIR/<split>/noisy, clean), got no such folder")
    for split in ("train", "test"):
        if any(p.clean_path is None for p in load_split(data, split)):
            raise ConfigError(f"--data {data}: wanted {data / split / 'clean'} beside noisy/, got none")


def retrain(name: str, seed: int, data: str | None, epochs: int | None, out: str | None) -> tuple[Path, dict | None]:
    """Run the recipe of zoo model `name`; (where it wrote, its card: None for a synthetic-data recipe)."""
    from hil.zoo import load_recipe, zoo_dir

    known = recipe_names()
    if name not in known:
        raise ConfigError(f"hil train: wanted one of {', '.join(known) or '(none)'}, got '{name}'")
    if epochs is not None and epochs < 1:
        raise ConfigError(f"--epochs: wanted at least 1, got {epochs}")
    recipe = load_recipe(name)
    target = Path(out) if out else zoo_dir() / name
    if not getattr(recipe, "TAKES_DATA", False):
        for option, value in (("--data", data), ("--epochs", epochs)):
            if value is not None:
                raise ConfigError(f"zoo model '{name}' trains on its own synthetic data: it takes no {option}")
        recipe.main(["--seed", str(seed), "--out", str(target)])
        return target, None
    if data is not None:
        _check_corpus(Path(data))
    return target, recipe.run(seed, data, epochs, target)
