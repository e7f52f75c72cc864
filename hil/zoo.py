"""The model zoo: models/<name>/ holds recipe.py, model.keras, calib.npy and card.json."""

from __future__ import annotations

import json
from pathlib import Path

from hil.errors import ConfigError
from hil.paths import repo_root


def zoo_dir() -> Path:
    return repo_root() / "models"


def list_zoo() -> list[str]:
    """Names of the zoo models: the folders of models/ that hold a model.keras."""
    root = zoo_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "model.keras").is_file())


def zoo_path(name: str) -> Path:
    """The folder of zoo model `name`; ConfigError listing the known names when there is none."""
    known = list_zoo()
    if name not in known:
        names = ", ".join(known) or "(none)"
        raise ConfigError(f"zoo model '{name}': wanted one of {names}, got no such model in {zoo_dir()}")
    return zoo_dir() / name


def zoo_card(name: str) -> dict:
    """The model's card.json: how it was made and what it measured."""
    path = zoo_path(name) / "card.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: wanted a JSON model card, got {type(exc).__name__}: {exc}") from None


def load_recipe(name: str):
    """Import models/<name>/recipe.py as a module (its data generator, model and training)."""
    import importlib.util

    path = zoo_dir() / name / "recipe.py"
    if not path.is_file():
        raise ConfigError(f"zoo recipe '{name}': wanted {path}, got no such file")
    spec = importlib.util.spec_from_file_location(f"hil_zoo_recipe_{name.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def deterministic(seed: int) -> None:
    """Seed Python, numpy and TensorFlow and make TF's ops deterministic (training recipes call this first)."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def save_artifacts(folder: Path, model, calib, card: dict) -> None:
    """Write model.keras, calib.npy and card.json (sorted keys) into a zoo folder."""
    import numpy as np

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.save(folder / "model.keras")
    np.save(folder / "calib.npy", calib, allow_pickle=False)
    card = dict(card, params=int(model.count_params()))
    (folder / "card.json").write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")


def fit(model, x, y, train: dict) -> None:
    """Compile and fit a recipe's Keras model with its TRAIN settings (Adam, loss, batch, epochs)."""
    import keras

    model.compile(optimizer=keras.optimizers.Adam(train["learning_rate"]), loss=train["loss"])
    model.fit(x, y, batch_size=train["batch"], epochs=train["epochs"], shuffle=True, verbose=0)


def recipe_main(name: str, doc: str, train, card_fields: dict, argv=None) -> None:
    """The command line every recipe shares: `recipe.py [--seed S] [--out DIR]` trains with
    train(seed) -> (model, calib rows, metrics) and writes the artifacts and card."""
    import argparse
    import time

    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=zoo_dir() / name)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    model, calib, metrics = train(args.seed)
    seconds = time.perf_counter() - t0
    card = {
        "name": name,
        "seed": args.seed,
        **card_fields,
        "metrics_held_out": metrics,
        "train_seconds": round(seconds, 1),
        "train_command": f".venv/bin/python models/{name}/recipe.py --seed {args.seed}",
    }
    save_artifacts(args.out, model, calib, card)
    print(f"{name}: {metrics} in {seconds:.1f} s -> {args.out}")
