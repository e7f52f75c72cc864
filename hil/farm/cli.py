"""`hil farm up | exporter | status | check`: the board farm on labgrid."""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

from hil import report
from hil.shell import emit, farm_option

STATUS_COLUMNS = ["place", "board", "serial", "kind", "health", "acquired_by", "link", "checked", "note"]
CHECK_COLUMNS = ["place", "board", "result", "detail"]


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _exporter(args, coordinator: str):
    from hil.boards import board_counts
    from hil.farm.exporter import Exporter
    from hil.farm.inventory import exporter_groups, load_inventory

    groups = exporter_groups(load_inventory(args.inventory), args.host) if args.inventory else {}
    exporter = Exporter(coordinator, args.name, groups, log=_log)
    try:
        if args.emulated:
            exporter.add_emulated(board_counts(args.emulated, "--emulated"), args.elf)
        return exporter.start()
    except BaseException:
        exporter.close()
        raise


def cmd_up(args) -> None:
    from hil.farm.local import Coordinator

    with Coordinator(args.port, args.listen, args.state) as coordinator:
        _log(f"coordinator on {coordinator.address} (state in {coordinator.state_dir}); "
             f"use it with --farm {coordinator.address} or export LG_COORDINATOR={coordinator.address}")  # fmt: skip
        with _exporter(args, coordinator.address) as exporter:
            _log("farm up; Ctrl-C stops it")
            exporter.run()


def cmd_exporter(args) -> None:
    from hil.farm.places import coordinator_address

    address = coordinator_address(args.coordinator) or "127.0.0.1:20408"
    with _exporter(args, address) as exporter:
        exporter.run()


def cmd_status(args) -> None:
    from hil.farm.client import farm_client
    from hil.farm.status import status

    with farm_client(_address(args)) as client:
        rows = status(client, args.board)
    emit(args, rows, report.rows_table(f"farm at {client.address}", rows, STATUS_COLUMNS))


def cmd_check(args) -> None:
    from hil.errors import FarmError
    from hil.farm.client import farm_client
    from hil.farm.status import check

    with farm_client(_address(args)) as client:
        rows = check(client, args.board)
    emit(args, rows, report.rows_table(f"farm at {client.address}: check", rows, CHECK_COLUMNS))
    if any(r["result"] == "dead" for r in rows):
        raise FarmError(f"{sum(r['result'] == 'dead' for r in rows)} of {len(rows)} place(s) did not answer")


def _address(args) -> str:
    from hil.errors import ConfigError
    from hil.farm.places import coordinator_address

    address = coordinator_address(args.farm)
    if address is None:
        raise ConfigError("which farm? wanted --farm HOST[:PORT] or LG_COORDINATOR")
    return address


def _export_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", default=f"emu-{socket.gethostname()}".lower(),
                   help="the exporter's name with the coordinator, part of its places' names")  # fmt: skip
    p.add_argument("--emulated", metavar="ID:N", help="bring up N emulated boards of board type ID and export them")
    p.add_argument("--elf", type=Path, help="the firmware image the emulated boards run (default: a fresh build)")
    p.add_argument("--inventory", type=Path, help="export the physical boards this host has in an inventory "
                                                  "(farm/inventory.yaml)")  # fmt: skip
    p.add_argument("--host", default=socket.gethostname(), help="this host's name in the inventory")


def add_farm_parser(sub) -> None:
    farm = sub.add_parser("farm", help="the board farm (labgrid places)").add_subparsers(dest="farm", required=True)
    p = farm.add_parser("up", help="a local coordinator and exporter on 127.0.0.1, until Ctrl-C")
    p.add_argument("--port", type=int, default=20408)
    p.add_argument("--listen", default="127.0.0.1", help="address the coordinator listens on (default 127.0.0.1)")
    p.add_argument("--state", type=Path, help="the coordinator's folder (places.yaml)")
    _export_options(p)
    p.set_defaults(func=cmd_up, emulated="qemu-f446:2")
    p = farm.add_parser("exporter", help="export this host's boards (emulated or from the inventory)")
    p.add_argument("--coordinator", help="HOST[:PORT] (default LG_COORDINATOR, else 127.0.0.1:20408)")
    _export_options(p)
    p.set_defaults(func=cmd_exporter)
    for name, func, what in (("status", cmd_status, "places, their boards, who holds them, last health check"),
                             ("check", cmd_check, "each place: acquire, HELLO/INFO, release")):  # fmt: skip
        p = farm.add_parser(name, help=what)
        farm_option(p)
        p.add_argument("--board", help="only places of this board type")
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=func)
