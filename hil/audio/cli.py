"""`hil data speech --out DIR --utterances N --seed S [--snr LOW:HIGH] [--noises a,b,...] [--max-words W]`.

hil/cli.py wires it in with `add_data_parser(sub)`; errors are HilErrors, printed there as one line.
"""

from __future__ import annotations

import json
import re

from hil.audio.noise import NOISES


def cmd_data_speech(args) -> None:
    from hil.audio.corpus import generate, parse_noises, parse_snr
    from hil.audio.speech import MIN_WORDS
    from hil.errors import ConfigError

    snr = parse_snr(args.snr)
    noises = parse_noises(args.noises)
    if args.max_words < MIN_WORDS:
        raise ConfigError(f"--max-words: wanted at least {MIN_WORDS} (the grammar's shortest sentence), "
                          f"got {args.max_words}")  # fmt: skip
    res = generate(args.out, args.utterances, seed=args.seed, snr=snr, noises=noises, max_words=args.max_words,
                   workers=args.workers, progress=not args.json, what="--out")  # fmt: skip
    n = sum(res.counts.values())
    split_text = ", ".join(f"{k} {v}" for k, v in res.counts.items())
    if args.json:
        print(json.dumps({"out": str(res.out), "reused": res.reused, "counts": res.counts,
                          "seconds": round(res.seconds, 3)}, indent=2))  # fmt: skip
    elif res.reused:
        print(f"reusing the corpus in {res.out}: same parameters in corpus.json ({n} utterances: {split_text})")
    else:
        if res.note:
            print(res.note)
        print(f"wrote {n} utterances ({split_text}) to {res.out} in {res.seconds:.1f} s "
              f"({n / max(res.seconds, 1e-9):.1f} utterances/s)")  # fmt: skip


def add_data_parser(subparsers) -> None:
    p = subparsers.add_parser("data", help="make offline data sets")
    sub = p.add_subparsers(dest="data_command", required=True, metavar="KIND")
    s = sub.add_parser("speech", help="noisy/clean speech pairs from espeak-ng voices and synthetic noises")
    # `--snr -5:20` must read as a value, not an option: widen this parser's negative-number test.
    if hasattr(s, "_negative_number_matcher"):
        s._negative_number_matcher = re.compile(r"^-\d+$|^-\d*\.\d+$|^-\d*\.?\d+:-?\d*\.?\d+$")
    s.add_argument("--out", required=True, metavar="DIR", help="the corpus folder (created)")
    s.add_argument("--utterances", required=True, type=int, metavar="N", help="how many pairs, split 80/10/10")
    s.add_argument("--seed", type=int, default=0, help="random seed (default 0): same seed, same bytes")
    s.add_argument(
        "--snr", default="-5:20", metavar="LOW:HIGH", help="SNR range in dB on active speech (default -5:20)"
    )
    s.add_argument(
        "--noises", default=",".join(NOISES), metavar="A,B", help=f"noise types (default {','.join(NOISES)})"
    )
    s.add_argument("--max-words", type=int, default=12, metavar="W", help="longest sentence in words (default 12)")
    s.add_argument("--workers", type=int, default=2, help="processes (default 2); does not change the output")
    s.add_argument("--json", action="store_true", help="print JSON: out, reused, counts, seconds")
    s.set_defaults(func=cmd_data_speech)
