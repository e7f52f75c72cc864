"""`hil boards | build | flash | info | emulate`: the board commands."""

from __future__ import annotations

import dataclasses
import json
import shlex
import time

from hil import report
from hil.boards import DEFAULT_BOARD, all_boards, get_board
from hil.compile.compiler import load_model
from hil.errors import FlashError
from hil.shell import board_options, board_session, emit
from hil.targets import target_for
from hil.targets.qemu import Emulator


def cmd_boards(args) -> None:
    rows = [b.summary() for b in all_boards().values()]
    emit(args, rows if args.json else {}, None if args.json else report.boards_table(rows))


def cmd_build(args) -> None:
    built = target_for(get_board(args.board)).build_report()
    if args.json:
        print(json.dumps({"board": args.board, **built}, indent=2))
    else:
        print(built["image"])


def cmd_flash(args) -> None:
    target = target_for(get_board(args.board))
    if args.model:
        result = target.flash_model(load_model(args.model).blob, dry_run=args.dry_run)
    else:
        result = target.flash(dry_run=args.dry_run)
    if args.dry_run and not args.json:
        print(shlex.join(result["command"]))
    else:
        print(json.dumps(result, indent=2))


def cmd_info(args) -> None:
    with board_session(args, get_board(args.board)) as session:
        info, model = session.info(), session.model_info()
    emit(args, dataclasses.asdict(info) | {"url": session.url, "model": model},
         report.info_table(info, session.url, model))  # fmt: skip


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


def add_board_parsers(sub) -> None:
    p = sub.add_parser("boards", help="list the boards hil knows")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_boards)

    p = sub.add_parser("build", help="build the firmware for a board and print the image path")
    board_options(p, url=False)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("flash", help="put fresh firmware on a board (emulated: boot it in QEMU), or a model in its "
                                     "flash slot")  # fmt: skip
    board_options(p, url=False)
    p.add_argument("--model", help="a .tflite (compiled on the fly) or .hilm to write into the flash slot; the "
                                   "firmware stays")  # fmt: skip
    p.add_argument("--dry-run", action="store_true", help="print the exact command instead of running it")
    p.set_defaults(func=cmd_flash)

    p = sub.add_parser("info", help="print what the board reports (HELLO/INFO)")
    board_options(p)
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("emulate", help="keep one emulated board running on 127.0.0.1:PORT until stopped")
    p.add_argument("--board", default=DEFAULT_BOARD)
    p.add_argument("--port", type=int, required=True)
    p.set_defaults(func=cmd_emulate)
