"""`hil train NAME [--data DIR] [--seed S] [--epochs E] [--out DIR] [--json]`: retrain a zoo model."""

from __future__ import annotations

import json

from hil.train import retrain


def cmd_train(args) -> None:
    out, card = retrain(args.name, args.seed, args.data, args.epochs, args.out)
    if card is None:
        return
    if args.json:
        print(json.dumps(card | {"out": str(out)}, indent=2))
        return
    q = card["metrics_held_out"]
    if "exits" in q:  # a model with early exits: PESQ-wb per exit
        scores = ", ".join(f"exit {e['exit']} float {e['float']['pesq_wb']:.3f} int8 {e['int8']['pesq_wb']:.3f}"
                           for e in q["exits"])  # fmt: skip
    else:
        scores = f"float {q['float']['pesq_wb']:.3f}, int8 {q['int8']['pesq_wb']:.3f}"
    print(f"{args.name}: {card['params']:,} params, {card['training']['epochs']} epochs in {card['train_seconds']} s "
          f"-> {out}; test PESQ-wb noisy {q['noisy']['pesq_wb']:.3f}, {scores} ({q['utterances']} utterances)")


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
