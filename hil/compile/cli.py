"""`hil compile MODEL.tflite --out M.hilm [--board B]`: the board model blob and what it needs of the board."""

from __future__ import annotations

from pathlib import Path

from hil import report
from hil.boards import get_board
from hil.compile.compiler import compile_tflite
from hil.errors import ConfigError
from hil.outputs import writable_file
from hil.shell import board_options, emit
from hil.targets.limits import check_fits, model_limits


def cmd_compile(args) -> None:
    board = get_board(args.board)
    if Path(args.model).suffix != ".tflite":
        raise ConfigError(f"hil compile wants a .tflite model, got {args.model}")
    writable_file(args.out)
    model = compile_tflite(args.model)
    fits = check_fits(model.model_bytes, model.arena_bytes, model_limits(board))
    Path(args.out).write_bytes(model.blob)
    result = model.report() | {"board": board.name, "out": args.out, **fits}
    emit(args, result, report.compile_table(result))


def add_compile_parser(sub) -> None:
    p = sub.add_parser("compile", help="compile an int8 .tflite into a board model blob (.hilm)")
    p.add_argument("model", help="the .tflite file")
    p.add_argument("--out", required=True, help="the .hilm file to write")
    board_options(p, url=False)
    p.set_defaults(func=cmd_compile)
