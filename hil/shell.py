"""What every command shell shares: the board options, a session with the board they name (on its own
link, a URL or a farm place), and printing a result as a table or JSON.

Command shells (hil/cli.py and each folder's cli.py) parse arguments and print; the work and the
reports are built in the library."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys

from hil import report
from hil.boards import DEFAULT_BOARD, Board


def emit(args, data, table=None) -> None:
    """`data` as JSON with --json (or when there is no table), else the rich table."""
    if getattr(args, "json", False) or table is None:
        print(json.dumps(data, indent=2))
    else:
        report.print_table(table)


def farm_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--farm", metavar="HOST[:PORT]",
                   help="a labgrid coordinator: lease a place with such a board there (default: LG_COORDINATOR)")  # fmt: skip


def board_options(p: argparse.ArgumentParser, url: bool = True) -> None:
    p.add_argument("--board", default=DEFAULT_BOARD, help=f"board id from boards/ (default {DEFAULT_BOARD})")
    if url:
        p.add_argument("--url", help="serial URL overriding the board's link: /dev/ttyACM0, socket://H:P, rfc2217://H:P")
        farm_option(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _waiting(waited_s: float) -> None:
    if waited_s == 0 or int(waited_s * 4) % 40 == 0:  # every 10 s
        print(f"hil: every fitting place is taken; waiting in the farm's queue ({waited_s:.0f} s)", file=sys.stderr)


@contextlib.contextmanager
def board_session(args, board: Board):
    """A session with the board: --url, else a place of --farm (or LG_COORDINATOR), else its own link."""
    from hil.farm.places import coordinator_address
    from hil.targets import target_for

    farm = None if getattr(args, "url", None) else coordinator_address(getattr(args, "farm", None))
    if farm:
        from hil.farm.lease import farm_session

        with farm_session(farm, board, on_wait=_waiting) as session:
            yield session
    else:
        with target_for(board).session(getattr(args, "url", None)) as session:
            yield session
