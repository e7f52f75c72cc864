"""Model swap (upload over the link) against rebuild-and-reflash, on the emulated board.

Usage: .venv/bin/python benchmarks/model_swap.py
- swap: upload a compiled model into a running board (no reflash), host wall time
  on the emulated link, and the same bytes at a real ST-LINK VCP's 11.25 KiB/s;
- rebuild-and-reflash: what a firmware with the model compiled in costs: a full
  firmware rebuild (make -B) plus booting the fresh image until it answers HELLO.
These are host wall-clock figures of the workflow, not board compute speed."""

from __future__ import annotations

import json
import subprocess
import time

from hil.boards import get_board
from hil.compile import synth
from hil.compile.compiler import compile_graph
from hil.paths import firmware_dir
from hil.targets import target_for

VCP_BYTES_PER_S = 11.25 * 1024


def main() -> None:
    board = get_board("qemu-f446")
    models = [compile_graph(synth.mlp(dims, seed=i)) for i, dims in enumerate([(161, 128, 161), (64, 64, 64, 10)])]
    with target_for(board).session() as session:
        swaps = []
        for model in models * 2:
            t0 = time.perf_counter()
            session.upload_model(model.blob)
            swaps.append({"model_bytes": model.model_bytes, "emulated_link_s": round(time.perf_counter() - t0, 3),
                          "stlink_vcp_s": round(model.model_bytes / VCP_BYTES_PER_S, 3)})  # fmt: skip
    t0 = time.perf_counter()
    subprocess.run(["make", "-B", "-C", str(firmware_dir()), "stm32f4"], check=True, capture_output=True)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with target_for(board).session():
        boot_s = time.perf_counter() - t0
    print(json.dumps({
        "clock": "host wall clock (workflow times)",
        "swap": swaps,
        "rebuild_and_reflash": {"rebuild_s": round(build_s, 3), "boot_until_hello_s": round(boot_s, 3),
                                "total_s": round(build_s + boot_s, 3)},
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
