"""Kernel benchmark: MACs per counter tick (and ticks per output element) for reference and
optimized kernels, per shape.

Each case is a one-op model from hil.compile.synth, uploaded and run on the
board with both kernel sets; the per-op counter delta comes from PROFILE. The
two outputs must be identical (the optimized kernels are bit-exact). Pools do
no MACs: their figure is ticks per output element."""

from __future__ import annotations

import math

import numpy as np

from hil.compile import synth
from hil.compile.compiler import compile_graph
from hil.errors import HilError
from hil.link.session import Session

# Inputs and outputs must each fit one INVOKE frame (4,095 bytes after the flag byte).
CASES = [
    ("fully_connected", "64x64", lambda: synth.mlp((64, 64))),
    ("fully_connected", "161x64", lambda: synth.mlp((161, 64))),
    ("fully_connected", "256x256", lambda: synth.mlp((256, 256))),
    ("fully_connected", "400x161", lambda: synth.mlp((400, 161))),
    ("conv_2d 1x1", "16px 64->128", lambda: synth.conv2d(1, 16, 64, 128)),
    ("conv_2d 1x1", "24px 128->128", lambda: synth.conv2d(1, 24, 128, 128)),
    ("conv_2d 3x3", "8x8 16->32", lambda: synth.conv2d(8, 8, 16, 32, k=(3, 3))),
    ("depthwise 1x3", "1x24x128 d2", lambda: synth.depthwise(1, 24, 128, k=(1, 3), dilation=2)),
    ("depthwise 3x3", "7x7x64", lambda: synth.depthwise(7, 7, 64, k=(3, 3))),
    ("average_pool 25x5", "25x5x32 (DS-CNN)", lambda: synth.pool2d(25, 5, 32, k=(25, 5), stride=(25, 5))),
    ("average_pool 8x8", "8x8x48 (ResNet-8)", lambda: synth.pool2d(8, 8, 48, k=(8, 8), stride=(8, 8))),
    ("average_pool 2x2", "16x16x12 s2", lambda: synth.pool2d(16, 16, 12)),
    ("max_pool 2x2", "16x16x12 s2", lambda: synth.pool2d(16, 16, 12, kind="MAX_POOL_2D")),
    ("max_pool 3x3", "15x15x16 s2 same",
     lambda: synth.pool2d(15, 15, 16, k=(3, 3), same=True, kind="MAX_POOL_2D")),
]


def _measure(session: Session, x: bytes, reference: bool) -> tuple[int, bytes]:
    _, out = session.invoke(x, reference=reference)
    _, ops = session.profile()
    return ops[0]["cycles"], out


def bench_kernels(session: Session, seed: int = 0, kernel_sets: str = "optimized") -> dict:
    """Every case with both kernel sets. kernel_sets "reference": the board's firmware has no optimized set (its
    "optimized" runs are the reference; the table says so)."""
    rows = []
    for kernel, shape, build in CASES:
        model = compile_graph(build())
        session.upload_model(model.blob)
        x = np.random.default_rng(seed).integers(-128, 128, model.inputs[0].nbytes, dtype=np.int8).tobytes()
        ref_ticks, ref_out = _measure(session, x, reference=True)
        opt_ticks, opt_out = _measure(session, x, reference=False)
        if ref_out != opt_out:
            raise HilError(f"{kernel} {shape}: optimized output differs from the reference on the board")
        macs, elements = model.ops[0]["macs"], math.prod(model.outputs[0].shape)
        rows.append({"kernel": kernel, "shape": shape, "macs": macs, "elements": elements,
                     **{impl: {"count": ticks, "macs_per_count": round(macs / ticks, 3),
                               "count_per_element": round(ticks / elements, 2)}
                        for impl, ticks in (("reference", ref_ticks), ("optimized", opt_ticks))}})  # fmt: skip
    return {"board": session.board_info.board_id, "counter": session.board_info.counter, "kernel_sets": kernel_sets,
            "kernels": rows}
