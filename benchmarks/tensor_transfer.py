"""Tensors larger than a frame on the emulated board: a 96x96x3 int8 image (27,648 B) in and out.

Usage: .venv/bin/python benchmarks/tensor_transfer.py [--reps N]
- input: the image staged with INPUT_WRITEs (7 frames), KiB/s;
- sink: the same bytes as SINK frames of the same size, KiB/s: the link's own host->board figure;
- output: the 27,648 output bytes read with OUTPUT_READs, KiB/s;
- invoke: one whole inference through hil.link.tensors.invoke (stage, run, read), ms.
Host wall-clock link figures (median of the repetitions), not board compute speed."""

from __future__ import annotations

import argparse
import json
import statistics
import time

from hil.boards import get_board
from hil.compile import synth
from hil.compile.compiler import compile_graph
from hil.link import tensors
from hil.targets import target_for


def _median_s(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _sink(session, data: bytes) -> None:
    step = session.max_payload - 4  # INPUT_WRITE's frames: u32 offset, then the bytes
    for offset in range(0, len(data), step):
        session.sink(data[offset : offset + step])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--reps", type=int, default=7)
    args = p.parse_args()
    model = compile_graph(synth.depthwise(96, 96, 3, k=(3, 3)))
    data, out_bytes = bytes(range(256)) * 108, model.outputs[0].nbytes
    kib = len(data) / 1024
    with target_for(get_board("qemu-f446")).session() as session:
        session.upload_model(model.blob)
        tensors.invoke(session, data, out_bytes)  # warm the emulator's translated code
        read_s = _median_s(lambda: tensors.read_outputs(session, out_bytes), args.reps)  # before any write:
        figures = {  # a write makes the outputs unreadable (they may share arena bytes with the inputs)
            "input_kib_per_s": kib / _median_s(lambda: tensors.write_inputs(session, data), args.reps),
            "sink_kib_per_s": kib / _median_s(lambda: _sink(session, data), args.reps),
            "output_kib_per_s": out_bytes / 1024 / read_s,
            "invoke_ms": 1000 * _median_s(lambda: tensors.invoke(session, data, out_bytes), args.reps),
        }
    print(json.dumps({"clock": "host wall clock (link figures)", "board": "qemu-f446", "input_bytes": len(data),
                      "output_bytes": out_bytes, **{k: round(v, 1) for k, v in figures.items()}}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
