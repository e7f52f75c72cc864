"""The `hil` command: an argument tree over the library. The only place that
prints errors and picks exit codes."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import sys
import time

from pathlib import Path

import numpy as np

from hil import __version__, report
from hil.bench.kernels import bench_kernels
from hil.bench.link import bench_link
from hil.boards import DEFAULT_BOARD, all_boards, get_board
from hil.compile.compiler import compile_tflite, load_model
from hil.audio.cli import add_data_parser
from hil.convert.cli import add_convert_parser
from hil.search.cli import add_search_parser
from hil.profile.cli import add_profile_parser
from hil.errors import ConfigError, FlashError, HilError
from hil.outputs import writable_file
from hil.profile.run import run_rows
from hil.train import add_train_parser
from hil.profile.tensors import dequantize, load_inputs
from hil.targets.limits import check_fits, model_limits
from hil.targets import target_for
from hil.targets.firmware import image_sizes
from hil.targets.qemu import Emulator


def _emit(args, data: dict, table=None) -> None:
    if getattr(args, "json", False) or table is None:
        print(json.dumps(data, indent=2))
    else:
        report.print_table(table)


def cmd_boards(args) -> None:
    rows = [b.summary() for b in all_boards().values()]
    _emit(args, rows if args.json else {}, None if args.json else report.boards_table(rows))


def cmd_build(args) -> None:
    target = target_for(get_board(args.board))
    path = target.build()
    if args.json:
        sizes = image_sizes(path) if target.board.firmware.port == "stm32f4" else {}
        print(json.dumps({"board": args.board, "image": str(path), **sizes}, indent=2))
    else:
        print(path)


def cmd_flash(args) -> None:
    result = target_for(get_board(args.board)).flash(dry_run=args.dry_run)
    if args.dry_run and not args.json:
        print(" ".join(result["command"]))
    else:
        print(json.dumps(result, indent=2))


def cmd_info(args) -> None:
    with target_for(get_board(args.board)).session(args.url) as session:
        info = session.info()
    _emit(args, dataclasses.asdict(info) | {"url": session.url}, report.info_table(info, session.url))


def cmd_bench_link(args) -> None:
    with target_for(get_board(args.board)).session(args.url) as session:
        result = bench_link(session, pings=args.pings, sizes_bytes=[k * 1024 for k in args.sizes_kib])
    _emit(args, result, report.bench_link_table(result))


def cmd_bench_kernels(args) -> None:
    with target_for(get_board(args.board)).session(args.url) as session:
        result = bench_kernels(session)
    _emit(args, result, report.bench_kernels_table(result))


def cmd_emulate(args) -> None:
    board = get_board(args.board)
    if board.kind != "emulated":
        raise FlashError(f"board '{board.name}' is {board.kind}: `hil emulate` wants an emulated board")
    elf = target_for(board).build()
    with Emulator(board, elf, port=args.port, wait_for_client=False) as emulator:
        print(f"{board.name} running on {emulator.url} (Ctrl-C stops it)", flush=True)
        while (why := emulator.failure()) is None:
            time.sleep(0.2)
        raise FlashError(f"{board.name}: {why}")


def cmd_compile(args) -> None:
    board = get_board(args.board)
    if Path(args.model).suffix != ".tflite":
        raise ConfigError(f"hil compile wants a .tflite model, got {args.model}")
    writable_file(args.out)
    model = compile_tflite(args.model)
    fits = check_fits(model.model_bytes, model.arena_bytes, model_limits(board))
    Path(args.out).write_bytes(model.blob)
    result = model.report() | {"board": board.name, "out": args.out, **fits}
    _emit(args, result, report.compile_table(result))


def cmd_run(args) -> None:
    board = get_board(args.board)
    writable_file(args.out)  # before the board is brought up: a long run never ends by losing its results
    model = load_model(args.model)
    check_fits(model.model_bytes, model.arena_bytes, model_limits(board))
    rows = load_inputs(Path(args.input), model.inputs)
    with target_for(board).session(args.url) as session:
        outputs, figures = run_rows(session, model, rows, reference=args.reference, profile=args.profile)
    if args.dequantize:
        outputs = [dequantize(o, spec) for o, spec in zip(outputs, model.outputs)]
    if len(outputs) == 1:
        np.save(args.out, outputs[0])
    else:
        np.savez(args.out, **{f"output_{i}": o for i, o in enumerate(outputs)})
    _emit(args, figures | {"out": args.out}, report.run_table(figures))


def _board_options(p: argparse.ArgumentParser, url: bool = True) -> None:
    p.add_argument("--board", default=DEFAULT_BOARD, help=f"board id from boards/ (default {DEFAULT_BOARD})")
    if url:
        p.add_argument("--url", help="serial URL overriding the board's link: /dev/ttyACM0, socket://H:P, rfc2217://H:P")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hil", description="Hardware-in-the-loop lab for speech-enhancement models")
    parser.add_argument("--version", action="version", version=f"hil {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("boards", help="list the boards hil knows")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_boards)

    p = sub.add_parser("build", help="build the firmware for a board and print the image path")
    _board_options(p, url=False)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("flash", help="put fresh firmware on a board (emulated: boot it in QEMU)")
    _board_options(p, url=False)
    p.add_argument("--dry-run", action="store_true", help="print the exact command instead of running it")
    p.set_defaults(func=cmd_flash)

    p = sub.add_parser("info", help="print what the board reports (HELLO/INFO)")
    _board_options(p)
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("emulate", help="keep one emulated board running on 127.0.0.1:PORT until stopped")
    p.add_argument("--board", default=DEFAULT_BOARD)
    p.add_argument("--port", type=int, required=True)
    p.set_defaults(func=cmd_emulate)

    add_convert_parser(sub)
    add_data_parser(sub)
    add_search_parser(sub)
    add_profile_parser(sub)
    add_train_parser(sub)

    p = sub.add_parser("compile", help="compile an int8 .tflite into a board model blob (.hilm)")
    p.add_argument("model", help="the .tflite file")
    p.add_argument("--out", required=True, help="the .hilm file to write")
    _board_options(p, url=False)
    p.set_defaults(func=cmd_compile)

    p = sub.add_parser("run", help="run a model on a board over input rows")
    p.add_argument("--model", required=True, help="a .tflite (compiled on the fly) or .hilm")
    p.add_argument("--input", required=True, help="X.npy: one input per row (floats are quantised); .npz for several")
    p.add_argument("--out", required=True, help="Y.npy for the outputs (.npz when the model has several)")
    p.add_argument("--profile", action="store_true", help="per-operator cycles")
    p.add_argument("--dequantize", action="store_true", help="write float outputs")
    p.add_argument("--reference", action="store_true", help="use the reference kernels instead of the optimized ones")
    _board_options(p)
    p.set_defaults(func=cmd_run)

    bench = sub.add_parser("bench", help="benchmarks").add_subparsers(dest="bench", required=True)
    p = bench.add_parser("link", help="round-trip latency and throughput of the serial link")
    _board_options(p)
    p.add_argument("--pings", type=int, default=200)
    p.add_argument("--sizes-kib", type=int, nargs="+", default=[1, 4, 16, 64], metavar="KIB")
    p.set_defaults(func=cmd_bench_link)
    p = bench.add_parser("kernels", help="MACs per cycle (instruction, on the emulator) of each kernel")
    _board_options(p)
    p.set_defaults(func=cmd_bench_kernels)
    return parser


_TF_COMMANDS = {"convert", "search", "train", "profile"}


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow with file descriptor 2 closed: its C++ start-up chatter (oneDNN, CUDA probes)
    is written before any log level applies. Import errors still reach the user as exceptions."""
    if "tensorflow" in sys.modules:
        return
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    sys.stderr.flush()
    os.dup2(devnull, 2)
    try:
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _terminate(signum, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds context managers: emulators stop


def main(argv=None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's C++ chatter is not the user's business
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    if getattr(args, "command", None) in _TF_COMMANDS:
        _import_tensorflow_quietly()
    try:
        args.func(args)
    except HilError as exc:
        print(f"hil: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
