"""`hil profile --board B --model M --audio DIR [--split test] [--limit N] [--out DIR] [--json out.json]
[--compare-host] [--exit K | --threshold T | --sweep-exits [--thresholds T,...] [--baseline M]]`.

hil/cli.py wires it in with `add_profile_parser(sub)`; errors are HilErrors, printed there as one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

REPORT, PLOT = "profile.json", "quality_vs_cost.png"  # written into the output folder with enhanced/
SWEEP_REPORT, SWEEP_PLOT = "exits_sweep.json", "exits_sweep.png"  # --sweep-exits


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
    for file in (SWEEP_REPORT, SWEEP_PLOT) if args.sweep_exits else (REPORT, PLOT):
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

    agreement, taken = [], []
    with board_session(args, board) as session, Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"streaming on {board.name}", total=len(audio))

        def stream(pcm):
            r = stream_utterance(session, model, pcm)
            if gated is not None:  # a DynCP model: its channels kept per hop, from the bit-exact mirror
                kept.append(mirror_gates(model, gated, pcm))
            if args.compare_host:  # the host mirror: the same float32 and integer steps in numpy
                host = stream_utterance("mirror", model, pcm)
                agreement.append(int(np.max(np.abs(host.enhanced.astype(np.int32) - r.enhanced))))
            if r.exits is not None:
                taken.append(r.exits)
            return r.enhanced, r.stage_counts

        utts = profile_audio(stream, audio, out_dir, lambda _id: bar.advance(task))
        return utts, session.board_info.counter, agreement, taken


def cmd_profile(args) -> None:
    from rich.console import Console

    from hil.boards import get_board
    from hil.step.chain import StreamModel
    from hil.profile.models import resolve_tflite
    from hil.profile.speech import aggregate
    from hil.profile.speech_report import plot, summary_table, utterance_table
    from hil.step.gated import gated_model, is_gated, usage_summary
    from hil.targets.limits import check_fits, model_limits

    from hil.dsp.exits import ExitPolicy
    from hil.errors import ConfigError
    from hil.profile.exits import exits_summary, policy_of

    board = get_board(args.board)
    audio = _audio(args)  # every input and output is checked before the model is compiled or a board used
    name, tflite = resolve_tflite(args.model)
    out_dir = _outputs(args, name, board)
    policy = policy_of(args.exit, args.threshold)
    if args.thresholds and not args.sweep_exits:
        raise ConfigError("--thresholds: wanted with --sweep-exits (one policy: --threshold T)")
    # on the chain the model names (hil.dsp.identity); with an exit policy, one line for a model without exits
    model = StreamModel.from_tflite(tflite, name=name, policy=policy)
    fits = check_fits(model.compiled.model_bytes, model.compiled.arena_bytes, model_limits(board))
    if args.sweep_exits:
        if policy is not None:
            raise ConfigError("--sweep-exits: runs every exit and threshold itself; wanted no --exit or --threshold")
        ExitPolicy().check(model.n_exits, name)
        return _sweep(args, board, name, tflite, model, audio, out_dir, fits)
    console = Console(stderr=True)
    gated, kept = (gated_model(tflite, name) if is_gated(tflite) else None), []
    utts, counter, agreement, taken = _run(args, board, model, audio, out_dir, console, gated, kept)
    report = {"model": name, "board": board.name, "audio": str(args.audio), "split": args.split,
              "chain": model.chain.to_dict(), "model_bytes": model.compiled.model_bytes,
              "arena_bytes": model.compiled.arena_bytes, **aggregate(utts, board, counter, model.chain.hop),
              "fits": fits,
              "per_utterance": [u.row() for u in utts], "enhanced_dir": str(out_dir / "enhanced")}  # fmt: skip
    if gated is not None:
        report["dyncp"] = usage_summary(gated, kept)
    if taken:
        report["exits"] = exits_summary(taken, np.concatenate([u.counts for u in utts]), model.n_exits)
        report["exit_policy"] = policy.label()
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
    if taken:
        e = report["exits"]
        out.print(f"{policy.label()}: exits taken {e['histogram']} (fractions {e['fraction']}), model stage "
                  f"{e['model_ticks_per_frame_mean']:,.0f} {counter} ticks per frame on average")  # fmt: skip
    if args.compare_host:
        out.print(f"board vs host mirror: max |difference| {max(agreement)} LSB over {len(agreement)} utterances")
    out.print(f"enhanced audio, {REPORT} and {PLOT} in {out_dir}")


def _sweep(args, board, name, tflite, model, audio, out_dir, fits) -> None:
    """--sweep-exits: every exit and threshold on one board session, the baseline too; table, JSON, plot."""
    from rich.console import Console

    from hil.profile.exits import (DEFAULT_THRESHOLDS, parse_thresholds, plot_sweep, profile_stream, sweep_policies,
                                   sweep_row)  # fmt: skip
    from hil.profile.models import resolve_tflite
    from hil.profile.speech_report import sweep_table
    from hil.shell import board_session
    from hil.step.chain import StreamModel

    thresholds = parse_thresholds(args.thresholds) if args.thresholds else DEFAULT_THRESHOLDS
    runs = [(p.label(), model.with_policy(p, tflite, name)) for p in sweep_policies(model.n_exits, thresholds)]
    if args.baseline != "none":
        base, base_tflite = resolve_tflite(args.baseline)
        runs.append((base, StreamModel.from_tflite(base_tflite, name=base)))
    console, rows = Console(stderr=True), []
    with board_session(args, board) as session:
        for label, m in runs:
            console.print(f"streaming {len(audio)} utterances: {label}")
            report = profile_stream(session, m, audio, out_dir / "sweep" / label.replace(" ", "-"), board)
            rows.append(sweep_row(label, report) | {"exits": report.get("exits")})
    hop_s = model.chain.hop / 16000
    plot_sweep(out_dir / SWEEP_PLOT, rows, name, board.name, board.clock_hz, hop_s)
    sweep = {"model": name, "board": board.name, "audio": str(args.audio), "split": args.split,
             "utterances": len(audio), "fits": fits, "rows": rows, "plot": str(out_dir / SWEEP_PLOT)}  # fmt: skip
    text = json.dumps(sweep, indent=2)
    (out_dir / SWEEP_REPORT).write_text(text + "\n")
    if args.json:
        Path(args.json).write_text(text + "\n")
    Console().print(sweep_table(sweep, board.clock_hz))
    Console().print(f"{SWEEP_REPORT} and {SWEEP_PLOT} in {out_dir}")


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
    p.add_argument("--exit", type=int, default=None, metavar="K",
                   help="a model with early exits: stop every frame at exit K (0 = the cheapest)")  # fmt: skip
    p.add_argument("--threshold", type=float, default=None, metavar="T",
                   help="a model with early exits: the confidence policy, stop at the first exit whose mask is "
                   "decisive enough (T in [0, 1]; hil/dsp/exits.py)")  # fmt: skip
    p.add_argument("--sweep-exits", action="store_true",
                   help="every exit and --thresholds, plus --baseline: exits_sweep.json and exits_sweep.png")
    p.add_argument("--thresholds", default=None, metavar="T,...", help="--sweep-exits' thresholds "
                   "(default 0.5,0.6,0.7,0.8,0.9)")  # fmt: skip
    p.add_argument("--baseline", default="nsnet2-small", metavar="M",
                   help="--sweep-exits' comparison model, zoo name or .tflite, or none (default nsnet2-small)")
    p.set_defaults(func=cmd_profile)
