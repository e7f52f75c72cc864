"""`hil run --model M --input X.npy --out Y.npy [--board B] [--profile] [--dequantize] [--reference]`."""

from __future__ import annotations

from pathlib import Path

from hil import report
from hil.boards import get_board
from hil.compile.compiler import load_model
from hil.outputs import writable_file
from hil.run.inputs import dequantize_outputs, load_inputs, save_outputs
from hil.run.rows import run_rows
from hil.shell import board_options, board_session, emit
from hil.targets.limits import check_fits, model_limits


def cmd_run(args) -> None:
    board = get_board(args.board)
    writable_file(args.out)  # before the board is brought up: a long run never ends by losing its results
    model = load_model(args.model)
    check_fits(model.model_bytes, model.arena_bytes, model_limits(board))
    rows = load_inputs(Path(args.input), model.inputs)
    with board_session(args, board) as session:
        outputs, figures = run_rows(session, model, rows, reference=args.reference, profile=args.profile)
    if args.dequantize:
        outputs = dequantize_outputs(outputs, model.outputs)
    save_outputs(args.out, outputs)
    emit(args, figures | {"out": args.out}, report.run_table(figures))


def add_run_parser(sub) -> None:
    p = sub.add_parser("run", help="run a model on a board over input rows")
    p.add_argument("--model", required=True, help="a .tflite (compiled on the fly) or .hilm")
    p.add_argument("--input", required=True, help="X.npy: one input per row (floats are quantised); .npz for several")
    p.add_argument("--out", required=True, help="Y.npy for the outputs (.npz when the model has several)")
    p.add_argument("--profile", action="store_true", help="per-operator cycles")
    p.add_argument("--dequantize", action="store_true", help="write float outputs")
    p.add_argument("--reference", action="store_true", help="use the reference kernels instead of the optimized ones")
    board_options(p)
    p.set_defaults(func=cmd_run)
