"""`hil dyncp report --models STATIC,GATED... --audio DIR [--limit N] [--board B] [--out DIR]`: DynCP's
table per target ratio, measured on a board (hil.dyncp.report)."""

from __future__ import annotations

from pathlib import Path


def cmd_report(args) -> None:
    from rich.console import Console
    from rich.table import Table

    from hil.audio.layout import load_split
    from hil.boards import get_board
    from hil.dyncp import report as rep
    from hil.profile.models import resolve_tflite
    from hil.profile.speech import read_pairs
    from hil.targets import target_for

    from hil.outputs import writable_dir

    models = [m for m in args.models.split(",") if m]
    rep.check_models(models)
    out = writable_dir(args.out)  # checked before any board work
    board = get_board(args.board)
    audio = read_pairs(load_split(args.audio, args.split)[: args.limit])
    tflites = [resolve_tflite(m) for m in models]  # every model resolved before any board work
    results, plot_rows = [], None
    for name, tflite in tflites:
        summary, rows = rep.measure_model(target_for(board), name, tflite, audio, board.clock_hz)
        results.append(summary)
        plot_rows = (name, tflite, rows) if plot_rows is None or summary["usage"] < min(r["usage"] for r in results[:-1]) else plot_rows
    table = rep.table_rows(results)
    report = {"board": board.name, "audio": str(args.audio), "split": args.split, "models": results,
              "table": table, "paper": rep.PAPER}  # fmt: skip
    name, tflite, rows = plot_rows
    from hil.dsp.identity import chain_of

    rep.per_frame_plot(out / "usage_per_frame.png", audio[0], rows[0], chain_of(tflite, name), name,
                       results[0]["counter"])  # fmt: skip
    report["plot"] = str(out / "usage_per_frame.png")
    rep.write(out, report)
    t = Table(title=f"DynCP on {board.name} ({len(audio)} utterances, {results[0]['counter']})")
    for col in ("model", "usage", "MACs/frame", "MACs saved", "model instr/frame", "instr saved (model)",
                "instr saved (total)", "RT load", "PESQ-wb", "PESQ change", "STOI", "SI-SDR"):
        t.add_column(col)
    for r in table:
        t.add_row(r["model"], f"{r['usage']:.3f}", f"{r['macs_per_frame']:,}", f"{r['macs_saved']:.1%}",
                  f"{r['model_instructions_per_frame']:,}", f"{r['instructions_saved_model']:.1%}",
                  f"{r['instructions_saved_total']:.1%}", f"{r['realtime_load']:.3f}", f"{r.get('pesq_wb', 0):.3f}",
                  f"{r.get('pesq_wb_change', 0):+.2%}", f"{r.get('stoi', 0):.3f}", f"{r.get('si_sdr_db', 0):.2f}")
    t.add_row("paper (DynCP, 25 %)", "0.25", "", "29.6%", "", "", "", "", "", "-0.75%", "", "")
    Console(width=200).print(t)
    print(f"report and plot in {out}")


def add_dyncp_parser(subparsers) -> None:
    from hil.boards import DEFAULT_BOARD

    p = subparsers.add_parser("dyncp", help="DynCP (gated channels): measure a family on a board")
    sub = p.add_subparsers(dest="dyncp_command", required=True)
    r = sub.add_parser("report", help="the table per target ratio: usage, MACs and instructions saved, quality")
    r.add_argument("--models", default="conv-fsenet,dyncp-75,dyncp-50,dyncp-25",
                   help="zoo names or .tflite files, the static model first (default the zoo family)")  # fmt: skip
    r.add_argument("--audio", type=Path, required=True, metavar="DIR", help="DIR/<split>/{noisy,clean}/*.wav")
    r.add_argument("--split", default="test")
    r.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N utterances")
    r.add_argument("--board", default=DEFAULT_BOARD, help=f"board id (default {DEFAULT_BOARD})")
    r.add_argument("--out", default="results/dyncp", help="where dyncp.json and the plot go")
    r.set_defaults(func=cmd_report)
