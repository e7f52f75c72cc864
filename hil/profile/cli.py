"""`hil profile --board B --model M --audio DIR [--split test] [--limit N] [--out DIR] [--json out.json]
[--compare-host]`.

hil/cli.py wires it in with `add_profile_parser(sub)`; errors are HilErrors, printed there as one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

REPORT, PLOT = "profile.json", "quality_vs_cost.png"  # written into the output folder with enhanced/


def _audio(args) -> list:
    """The utterances to profile, every file read and checked: a bad one ends the run before any work."""
    from hil.audio.layout import load_split
    from hil.errors import ConfigError
    from hil.profile.speech import read_pairs

    pairs = load_split(args.audio, args.split)
    if args.limit is not None:
        if args.limit < 1:
            raise ConfigError(f"--limit: wanted at least 1 utterance, got {args.limit}")
        pairs = pairs[: args.limit]
    return read_pairs(pairs)


def _outputs(args, name: str, board) -> Path:
    """The output folder, after checking that every file the profile writes can be written there."""
    from hil.outputs import writable_dir, writable_file

    out_dir = writable_dir(args.out or Path("results") / f"profile-{name}-{board.name}", "--out")
    writable_dir(out_dir / "enhanced", "--out")
    for file in (REPORT, PLOT):
        writable_file(out_dir / file, "--out")
    if args.json:
        writable_file(args.json, "--json")
    return out_dir


def _run(args, board, model, audio, out_dir, console, gated=None, kept=None):
    from rich.progress import Progress

    from hil.step.chain import stream_utterance
    from hil.step.gated import mirror_gates
    from hil.profile.speech import profile_audio
    from hil.shell import board_session

    agreement = []
    with board_session(args, board) as session, Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"streaming on {board.name}", total=len(audio))

        def stream(pcm):
            r = stream_utterance(session, model, pcm)
            if gated is not None:  # a DynCP model: its channels kept per hop, from the bit-exact mirror
                kept.append(mirror_gates(model, gated, pcm))
            if args.compare_host:  # the host mirror: the same float32 and integer steps in numpy
                host = stream_utterance("mirror", model, pcm)
                agreement.append(int(np.max(np.abs(host.enhanced.astype(np.int32) - r.enhanced))))
            return r.enhanced, r.stage_counts

        utts = profile_audio(stream, audio, out_dir, lambda _id: bar.advance(task))
        return utts, session.board_info.counter, agreement


def cmd_profile(args) -> None:
    from rich.console import Console

    from hil.boards import get_board
    from hil.step.chain import StreamModel
    from hil.profile.models import resolve_tflite
    from hil.profile.speech import aggregate
    from hil.profile.speech_report import plot, summary_table, utterance_table
    from hil.step.gated import gated_model, is_gated, usage_summary
    from hil.targets.limits import check_fits, model_limits

    board = get_board(args.board)
    audio = _audio(args)  # every input and output is checked before the model is compiled or a board used
    name, tflite = resolve_tflite(args.model)
    out_dir = _outputs(args, name, board)
    model = StreamModel.from_tflite(tflite, name=name)  # on the chain the model names (hil.dsp.identity)
    fits = check_fits(model.compiled.model_bytes, model.compiled.arena_bytes, model_limits(board))
    console = Console(stderr=True)
    gated, kept = (gated_model(tflite, name) if is_gated(tflite) else None), []
    utts, counter, agreement = _run(args, board, model, audio, out_dir, console, gated, kept)
    report = {"model": name, "board": board.name, "audio": str(args.audio), "split": args.split,
              "chain": model.chain.to_dict(), "model_bytes": model.compiled.model_bytes,
              "arena_bytes": model.compiled.arena_bytes, **aggregate(utts, board, counter, model.chain.hop),
              "fits": fits,
              "per_utterance": [u.row() for u in utts], "enhanced_dir": str(out_dir / "enhanced")}  # fmt: skip
    if gated is not None:
        report["dyncp"] = usage_summary(gated, kept)
    if args.compare_host:
        report["host_agreement"] = {"max_abs_diff_lsb": max(agreement), "per_utterance": agreement,
                                    "note": "board output against the host mirror (hil.dsp.chain + simulator)"}  # fmt: skip
    plot(out_dir / PLOT, utts, report)
    report["plot"] = str(out_dir / PLOT)
    text = json.dumps(report, indent=2)
    (out_dir / REPORT).write_text(text + "\n")
    if args.json:
        Path(args.json).write_text(text + "\n")
    out = Console()
    out.print(utterance_table(utts, counter))
    out.print(summary_table(report))
    if args.compare_host:
        out.print(f"board vs host mirror: max |difference| {max(agreement)} LSB over {len(agreement)} utterances")
    out.print(f"enhanced audio, {REPORT} and {PLOT} in {out_dir}")


def add_profile_parser(subparsers) -> None:
    from hil.boards import DEFAULT_BOARD
    from hil.shell import farm_option

    p = subparsers.add_parser(
        "profile", help="stream audio through a board's speech-enhancement chain: quality and cost"
    )
    p.add_argument("--board", default=DEFAULT_BOARD, help=f"board id from boards/ (default {DEFAULT_BOARD})")
    p.add_argument("--url", help="serial URL overriding the board's link: /dev/ttyACM0, socket://H:P, rfc2217://H:P")
    farm_option(p)
    p.add_argument("--model", default="nsnet2-small", help="zoo name or int8 .tflite step model (default nsnet2-small)")
    p.add_argument("--audio", type=Path, required=True, metavar="DIR",
                   help="a folder DIR/<split>/noisy/*.wav [+ DIR/<split>/clean/*.wav]")  # fmt: skip
    p.add_argument("--split", default="test", help="which split of DIR (default test)")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N utterances")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="where enhanced wavs, profile.json and the plot go (default results/profile-M-B)")  # fmt: skip
    p.add_argument("--json", default=None, metavar="FILE", help="also write the report as JSON to FILE")
    p.add_argument("--compare-host", action="store_true",
                   help="also run the host mirror of the chain and report how far the board's output is from it")  # fmt: skip
    p.set_defaults(func=cmd_profile)
