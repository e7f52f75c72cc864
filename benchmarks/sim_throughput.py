"""Inferences per second of the host simulator (the C runtime through ctypes).

Usage: .venv/bin/python benchmarks/sim_throughput.py [--rows N]
Prints one line per model: MACs per inference, inferences/s with the optimized
and the reference kernels (host CPU figures, not board figures)."""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from hil.compile import synth
from hil.compile.compiler import compile_graph
from hil.sim import Simulator

MODELS = {
    "mlp 40-64-10": lambda: synth.mlp((40, 64, 10)),
    "mlp 161-128-128-161": lambda: synth.mlp((161, 128, 128, 161)),
    "conv1x1 16px 64->128": lambda: synth.conv2d(1, 16, 64, 128),
}


def measure(sim: Simulator, rows: int, reference: bool) -> float:
    x = np.random.default_rng(0).integers(0, 256, size=(rows, sim.in_bytes), dtype=np.uint8)
    sim.run_raw(x[:10], reference)  # warm up
    t0 = time.perf_counter()
    sim.run_raw(x, reference)
    return rows / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20000)
    args = ap.parse_args()
    results = []
    for name, build in MODELS.items():
        model = compile_graph(build())
        sim = Simulator(model.blob)
        results.append({
            "model": name, "macs": model.macs,
            "inferences_per_s_optimized": round(measure(sim, args.rows, False)),
            "inferences_per_s_reference": round(measure(sim, args.rows, True)),
        })  # fmt: skip
    print(json.dumps({"clock": "host wall clock (simulator on this CPU)", "results": results}, indent=2))


if __name__ == "__main__":
    main()
