"""Rich tables for the terminal; the CLI prints JSON instead with --json."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from hil.link.protocol import BoardInfo


def _size(n: int) -> str:
    return f"{n:,} B ({n / 1024:.1f} KiB)" if n else "-"


def boards_table(rows: list[dict]) -> Table:
    table = Table(title="Boards")
    for col in ("name", "kind", "mcu", "core", "clock_hz", "flash_bytes", "ram_bytes"):
        table.add_column(col, justify="right" if col.endswith(("_hz", "_bytes")) else "left")
    for r in rows:
        table.add_row(r["name"], r["kind"], r["mcu"], r["core"], f"{r['clock_hz']:,}", f"{r['flash_bytes']:,}",
                      f"{r['ram_bytes']:,}")  # fmt: skip
    return table


def _model_rows(model: dict) -> list[tuple[str, str]]:
    """What MODEL_INFO says: the current model and the flash slot (hil.link.slot)."""
    slot = model["slot"]
    current = f"{model['state']}" + (f", {model['size_bytes']:,} B in {model['in']}, CRC-32 {model['crc32']:08x}"
                                     if model["state"] == "loaded" else "")  # fmt: skip
    held = f"{slot['state']}" + (f": {slot['size_bytes']:,} B, CRC-32 {slot['crc32']:08x}" if slot["size_bytes"] else "")
    if slot["state"] == "bad":
        held += f" ({slot['status']}; never run)"
    return [("model", current), ("model_slot", held), ("model_slot_bytes", _size(slot["slot_bytes"]))]


def info_table(info: BoardInfo, url: str, model: dict | None = None) -> Table:
    table = Table(title=f"hil info: {info.board_id} on {url}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    rows = [
        ("board_id", info.board_id),
        ("firmware_version", info.firmware_version),
        ("protocol_version", info.protocol_version),
        ("clock_hz", f"{info.clock_hz:,}" + ("" if info.clock_locked else " (nominal; PLL not locked)")),
        ("counter", info.counter),
        ("flash_bytes", _size(info.flash_bytes)),
        ("ram_bytes", _size(info.ram_bytes)),
        ("model_ram_bytes", _size(info.model_ram_bytes)),
        ("max_payload_bytes", f"{info.max_payload_bytes:,}"),
        ("reset_cause", info.reset_cause),
    ]
    rows += _model_rows(model) if model else []
    rows += [(k, f"{v:,}") for k, v in (info.stats or {}).items()]
    for k, v in rows:
        table.add_row(k, str(v))
    return table


def bench_link_table(result: dict) -> Table:
    lat = result["latency"]
    table = Table(
        title=f"hil bench link: {result['board']} on {result['url']}",
        caption=f"round trip: median {lat['median_ms']} ms, p99 {lat['p99_ms']} ms over {lat['pings']} pings; "
        f"{result['clock']}",
    )
    table.add_column("payload", justify="right")
    table.add_column("host→board B/s", justify="right")
    table.add_column("board→host B/s", justify="right")
    for row in result["throughput"]:
        table.add_row(f"{row['size_bytes'] // 1024} KiB", f"{row['host_to_board_bytes_per_s']:,}",
                      f"{row['board_to_host_bytes_per_s']:,}")  # fmt: skip
    return table


def print_table(table: Table) -> None:
    # Piped output (make demo under CI, logs) gets a fixed width instead of 80 columns.
    Console(width=None if sys.stdout.isatty() else 120).print(table)


def rows_table(title: str, rows: list[dict], columns: list[str]) -> Table:
    """Any list of flat rows (farm places, checks, nightly figures) as a table of `columns`."""
    table = Table(title=title)
    for col in columns:
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(*(str(r.get(col, "")) for col in columns))
    return table


def compile_table(report: dict) -> Table:
    table = Table(title=f"hil compile: {report['source']} for {report['board']}",
                  caption=f"model {report['model_bytes']:,} B, arena {report['arena_bytes']:,} B (activations "
                  f"{report['activation_bytes']:,} B + kernel scratch + op state {report['state_bytes']:,} B); "
                  f"lives in {report['placement']}: RAM "
                  f"{report['ram_needed_bytes']:,} of {report['model_ram_bytes']:,} B, flash "
                  f"{report['flash_needed_bytes']:,} of {report['slot_bytes']:,} B (slot); {report['macs']:,} MACs")  # fmt: skip
    for col in ("#", "op", "MACs"):
        table.add_column(col, justify="right" if col != "op" else "left")
    for op in report["ops"]:
        table.add_row(str(op["index"]), op["op"], f"{op['macs']:,}")
    return table


# What one count of each counter is (the JSON keeps the field name "cycles").
COUNTER_UNITS = {"dwt": "cycles", "tim2-icount": "instructions", "host-ns": "ns", "ccount": "cycles",
                 "rv-icount": "instructions", "mpccr": "cycles"}


def run_table(figures: dict) -> Table:
    c = figures["cycles"]
    unit = COUNTER_UNITS.get(figures["counter"], "counts")
    table = Table(title=f"hil run on {figures['board']} ({figures['kernels']} kernels)",
                  caption=f"counter {figures['counter']} ({unit}); {figures['inferences']} inferences; per inference "
                  f"mean {c['mean']:,.0f} min {c['min']:,} max {c['max']:,}; model {figures['model_bytes']:,} B, "
                  f"arena {figures['arena_bytes']:,} B; "
                  + (f"uploaded in {figures['upload_s']} s" if figures["uploaded"]
                     else f"model already on board ({figures.get('model_in', 'ram')})"))  # fmt: skip
    for col in ("#", "op", unit, "MACs", f"MACs/{unit.rstrip('s')}"):
        table.add_column(col, justify="right" if col != "op" else "left")
    for op in figures.get("ops", []):
        rate = f"{op['macs'] / op['cycles']:.2f}" if op["cycles"] and op["macs"] else "-"
        table.add_row(str(op["index"]), op["op"], f"{op['cycles']:,}", f"{op['macs']:,}", rate)
    return table


def bench_kernels_table(result: dict) -> Table:
    unit = COUNTER_UNITS.get(result["counter"], "counts")
    per = unit.rstrip("s")
    table = Table(title=f"hil bench kernels: {result['board']}",
                  caption=f"counter {result['counter']}: one count = one {per}; reference and optimized outputs "
                  f"are identical for every row; where there are no MACs, /el is {unit} per output element and /op "
                  f"{unit} per op of a whole run; an op whose optimized kernels do not pay on the board's core "
                  "runs the reference for both")  # fmt: skip
    for col in ("kernel", "shape", "MACs", f"ref {unit}", f"ref MACs/{per}", f"opt {unit}", f"opt MACs/{per}"):
        table.add_column(col, justify="left" if col in ("kernel", "shape") else "right")
    for r in result["kernels"]:
        cells = [r["kernel"], r["shape"], f"{r['macs']:,}" if r["macs"] else "-"]
        for impl in (r["reference"], r["optimized"]):
            per_what = "/op" if r.get("per") == "op" else "/el"
            rate = f"{impl['macs_per_count']:.3f}" if r["macs"] else f"{impl['count_per_element']:.1f}{per_what}"
            cells += [f"{impl['count']:,}", rate]
        table.add_row(*cells)
    return table


def bench_models_table(result: dict) -> Table:
    counter = result["counter"] if isinstance(result["counter"], str) else "/".join(result["counter"]) or "-"
    unit = COUNTER_UNITS.get(counter, "counts")
    per = unit.rstrip("s")
    table = Table(title=f"hil bench models: {result['board']}",
                  caption=f"counter {counter}: one count = one {per}; mean of a few seeded random inputs; "
                  "placement: ram (uploaded) or flash (the model slot)")  # fmt: skip
    for col in ("model", "placement", "MACs", f"{unit}/inference", f"MACs/{per}", "model bytes", "arena bytes"):
        table.add_column(col, justify="left" if col in ("model", "placement") else "right")
    for r in result["models"]:
        if not r["fits"]:
            table.add_row(r["model"], "does not fit", f"{r['macs']:,}", "-", "-", f"{r['model_bytes']:,}",
                          f"{r['arena_bytes']:,}")  # fmt: skip
            continue
        table.add_row(r["model"], r["placement"], f"{r['macs']:,}", f"{r['count']:,.0f}", f"{r['macs_per_count']:.3f}",
                      f"{r['model_bytes']:,}", f"{r['arena_bytes']:,}")  # fmt: skip
    return table
