"""Kernel benchmark: MACs per counter tick for reference and optimized kernels, per shape.

Each case is a one-op model from hil.compile.synth, uploaded and run on the
board with both kernel sets; the per-op counter delta comes from PROFILE. The
two outputs must be identical (the optimized kernels are bit-exact)."""

from __future__ import annotations

import numpy as np

from hil.compile import synth, synth_mpgru
from hil.compile.compiler import compile_graph
from hil.errors import HilError
from hil.link.session import Session
from hil.mpgru import uniform_genome

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
]
# One HIL_MP_GRU step per uniform bit width, 64 inputs and 64 units: MACs = 3 * units * (in + units),
# the six weight matrices' multiply-accumulates (the element-wise chain is counted in the time, not the MACs).
CASES += [(f"mp_gru {bits}-bit", "64x64", lambda bits=bits: synth_mpgru.mp_graph(
    synth_mpgru.random_layer(64, 64, uniform_genome(bits)))) for bits in range(8, 1, -1)]


def _measure(session: Session, x: bytes, reference: bool) -> tuple[int, bytes]:
    _, out = session.invoke(x, reference=reference)
    _, ops = session.profile()
    return ops[0]["cycles"], out


def bench_kernels(session: Session, seed: int = 0) -> dict:
    rows = []
    for kernel, shape, build in CASES:
        model = compile_graph(build())
        session.upload_model(model.blob)
        nbytes = sum(i.nbytes for i in model.inputs)  # every input, in order (MP-GRU: x, then the state)
        x = np.random.default_rng(seed).integers(-128, 128, nbytes, dtype=np.int8).tobytes()
        ref_ticks, ref_out = _measure(session, x, reference=True)
        opt_ticks, opt_out = _measure(session, x, reference=False)
        if ref_out != opt_out:
            raise HilError(f"{kernel} {shape}: optimized output differs from the reference on the board")
        macs = model.ops[0]["macs"]
        rows.append({
            "kernel": kernel, "shape": shape, "macs": macs,
            "reference": {"count": ref_ticks, "macs_per_count": round(macs / ref_ticks, 3)},
            "optimized": {"count": opt_ticks, "macs_per_count": round(macs / opt_ticks, 3)},
        })  # fmt: skip
    return {"board": session.board_info.board_id, "counter": session.board_info.counter, "kernels": rows}
