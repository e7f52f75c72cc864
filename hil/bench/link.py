"""Link benchmark: round-trip latency and throughput in both directions.

These are link figures measured with the host's clock; they describe the
serial path (socket, emulated UART, firmware framing), never the board's
compute speed."""

from __future__ import annotations

import random
import statistics
import time

from hil.errors import LinkError
from hil.link.session import Session

DEFAULT_SIZES_BYTES = (1024, 4096, 16384, 65536)


def _pattern(n: int) -> bytes:
    return bytes((i * 31 + 7) & 0xFF for i in range(n))  # what SOURCE sends


def _latency_ms(session: Session, pings: int) -> dict:
    times = []
    for i in range(pings):
        payload = i.to_bytes(4, "little")
        t0 = time.perf_counter()
        if session.echo(payload) != payload:
            raise LinkError(f"ECHO {i} came back altered")
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return {
        "pings": pings,
        "median_ms": round(statistics.median(times), 3),
        "p99_ms": round(times[min(len(times) - 1, int(0.99 * len(times)))], 3),
    }


def _host_to_board(session: Session, data: bytes) -> float:
    step = session.max_payload
    t0 = time.perf_counter()
    for off in range(0, len(data), step):
        chunk = data[off : off + step]
        if session.sink(chunk) != len(chunk):
            raise LinkError("SINK count differs from the bytes sent")
    return len(data) / (time.perf_counter() - t0)


def _board_to_host(session: Session, size: int) -> float:
    step = session.max_payload
    t0 = time.perf_counter()
    for off in range(0, size, step):
        n = min(step, size - off)
        if session.source(n) != _pattern(n):
            raise LinkError("SOURCE data came back altered")
    return size / (time.perf_counter() - t0)


def bench_link(session: Session, pings: int = 200, sizes_bytes=DEFAULT_SIZES_BYTES, seed: int = 0) -> dict:
    rng = random.Random(seed)
    rows = []
    for size in sizes_bytes:
        data = rng.randbytes(size)
        rows.append(
            {
                "size_bytes": size,
                "host_to_board_bytes_per_s": round(_host_to_board(session, data)),
                "board_to_host_bytes_per_s": round(_board_to_host(session, size)),
            }
        )
    info = session.board_info
    return {
        "board": info.board_id,
        "url": session.url,
        "clock": "host wall clock (link figures, not board compute)",
        "frame_payload_bytes": session.max_payload,
        "latency": _latency_ms(session, pings),
        "throughput": rows,
        "retransmits": session.counters.retransmits,
    }
