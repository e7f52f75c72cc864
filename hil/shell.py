"""What every command shell shares: the board options and printing a result as a table or JSON.

Command shells (hil/cli.py and each folder's cli.py) parse arguments and print; the work and the
reports are built in the library."""

from __future__ import annotations

import argparse
import json

from hil import report
from hil.boards import DEFAULT_BOARD


def emit(args, data, table=None) -> None:
    """`data` as JSON with --json (or when there is no table), else the rich table."""
    if getattr(args, "json", False) or table is None:
        print(json.dumps(data, indent=2))
    else:
        report.print_table(table)


def board_options(p: argparse.ArgumentParser, url: bool = True) -> None:
    p.add_argument("--board", default=DEFAULT_BOARD, help=f"board id from boards/ (default {DEFAULT_BOARD})")
    if url:
        p.add_argument("--url", help="serial URL overriding the board's link: /dev/ttyACM0, socket://H:P, rfc2217://H:P")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
