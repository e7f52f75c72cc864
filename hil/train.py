"""`hil train NAME [--data DIR] [--seed S] [--epochs E] [--out DIR] [--json]`: retrain a zoo model from its recipe.

Recipes that learn from a speech corpus say so with `TAKES_DATA = True` and provide
`run(seed, data, epochs, out) -> card`; --data is then any folder in the hil.audio.corpus layout
(DIR/<split>/noisy/*.wav + DIR/<split>/clean/*.wav, splits train and test used). The other recipes make
their own synthetic data and are run through their `main([--seed S] [--out DIR])`.
hil/cli.py wires the command in with `add_train_parser(sub)`; errors are HilErrors, printed there as one line.
"""

from __future__ import annotations

import json
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


def cmd_train(args) -> None:
    from hil.zoo import load_recipe, zoo_dir

    known = recipe_names()
    if args.name not in known:
        raise ConfigError(f"hil train: wanted one of {', '.join(known) or '(none)'}, got '{args.name}'")
    if args.epochs is not None and args.epochs < 1:
        raise ConfigError(f"--epochs: wanted at least 1, got {args.epochs}")
    recipe = load_recipe(args.name)
    out = Path(args.out) if args.out else zoo_dir() / args.name
    if not getattr(recipe, "TAKES_DATA", False):
        for option, value in (("--data", args.data), ("--epochs", args.epochs)):
            if value is not None:
                raise ConfigError(f"zoo model '{args.name}' trains on its own synthetic data: it takes no {option}")
        recipe.main(["--seed", str(args.seed), "--out", str(out)])
        return
    if args.data is not None:
        _check_corpus(Path(args.data))
    card = recipe.run(args.seed, args.data, args.epochs, out)
    if args.json:
        print(json.dumps(card | {"out": str(out)}, indent=2))
        return
    q = card["metrics_held_out"]
    print(f"{args.name}: {card['params']:,} params, {card['training']['epochs']} epochs in {card['train_seconds']} s "
          f"-> {out}; test PESQ-wb noisy {q['noisy']['pesq_wb']:.3f}, float {q['float']['pesq_wb']:.3f}, "
          f"int8 {q['int8']['pesq_wb']:.3f} ({q['utterances']} utterances)")  # fmt: skip


def add_train_parser(subparsers) -> None:
    p = subparsers.add_parser("train", help="retrain a zoo model from its recipe (models/<name>/recipe.py)")
    p.add_argument("name", help="zoo model, e.g. nsnet2-small")
    p.add_argument("--data", metavar="DIR", help="speech corpus folder DIR/<split>/{noisy,clean}/*.wav "
                   "(default: the recipe's own corpus)")  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0): same seed, same model")
    p.add_argument("--epochs", type=int, default=None, help="training epochs (default: the recipe's)")
    p.add_argument("--out", metavar="DIR", help="where model.keras, calib.npy, card.json go (default models/NAME/)")
    p.add_argument("--json", action="store_true", help="print the model card as JSON")
    p.set_defaults(func=cmd_train)
