"""Kernel benchmark: MACs per counter tick (and ticks per output element) for reference and
optimized kernels, per shape.

Each case is a one-op model from hil.compile.synth, uploaded and run on the
board with both kernel sets; the per-op counter delta comes from PROFILE. The
two outputs must be identical (the optimized kernels are bit-exact). Pools,
activations and element-wise ops do no MACs: their figure is ticks per output
element. A chain of ops on one element weighs what an op costs beyond its work:
its figure is the whole run's ticks per op (the interpreter, the per-op
profile, the op's eval and its kernel's setup)."""

from __future__ import annotations

import math

import numpy as np

from hil.compile import synth, synth_gru, synth_mpgru
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
    ("gru_step (fused cell)", "56->56", lambda: synth_gru.gru_step(56, (56,))),  # nsnet2-small's cells' size
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
    ("logistic int8", "1024", lambda: synth.activation("LOGISTIC", 1024)),
    ("tanh int8", "1024", lambda: synth.activation("TANH", 1024)),
    ("logistic int16", "1024", lambda: synth.activation("LOGISTIC", 1024, "int16")),
    ("tanh int16", "1024", lambda: synth.activation("TANH", 1024, "int16")),
    ("add int8", "1024", lambda: synth.binary("ADD", (1, 1024), (1, 1024))),
    ("sub int8", "1024", lambda: synth.binary("SUB", (1, 1024), (1, 1024))),
    ("mul int8", "1024", lambda: synth.binary("MUL", (1, 1024), (1, 1024))),
    ("add int8", "64x16 + per-channel 16", lambda: synth.binary("ADD", (1, 64, 16), (16,))),
    ("mul int8", "64x16 * per-channel 16", lambda: synth.binary("MUL", (1, 64, 16), (16,))),
    ("add int8", "1024 + scalar", lambda: synth.binary("ADD", (1, 1024), (1,))),
    ("per-op cost", "64 x RESHAPE (aliased)", lambda: synth.chain("RESHAPE", 64)),
    ("per-op cost", "64 x ADD of 1 element", lambda: synth.chain("ADD", 64)),
]
# One HIL_MP_GRU step per uniform bit width, 64 inputs and 64 units: MACs = 3 * units * (in + units),
# the six weight matrices' multiply-accumulates (the element-wise chain is counted in the time, not the MACs).
CASES += [(f"mp_gru {bits}-bit", "64x64", lambda bits=bits: synth_mpgru.mp_graph(
    synth_mpgru.random_layer(64, 64, uniform_genome(bits)))) for bits in range(8, 1, -1)]


def _measure(session: Session, x: bytes, reference: bool, whole: bool) -> tuple[int, bytes]:
    cycles, out = session.invoke(x, reference=reference)
    _, ops = session.profile()
    return cycles if whole else ops[0]["cycles"], out


def _row(kernel: str, shape: str, model, ticks: dict) -> dict:
    macs, n_ops = model.ops[0]["macs"], len(model.ops)
    per, n = ("op", n_ops) if n_ops > 1 else ("element", math.prod(model.outputs[0].shape))
    return {"kernel": kernel, "shape": shape, "macs": macs, "per": per, "elements": n,
            **{impl: {"count": count, "macs_per_count": round(macs / count, 3),
                      "count_per_element": round(count / n, 2)}
               for impl, count in ticks.items()}}  # fmt: skip


def bench_kernels(session: Session, seed: int = 0) -> dict:
    rows = []
    for kernel, shape, build in CASES:
        model = compile_graph(build())
        session.upload_model(model.blob)
        n_bytes = sum(spec.nbytes for spec in model.inputs)
        x = np.random.default_rng(seed).integers(-128, 128, n_bytes, dtype=np.int8).tobytes()
        whole = len(model.ops) > 1
        ref_ticks, ref_out = _measure(session, x, reference=True, whole=whole)
        opt_ticks, opt_out = _measure(session, x, reference=False, whole=whole)
        if ref_out != opt_out:
            raise HilError(f"{kernel} {shape}: optimized output differs from the reference on the board")
        rows.append(_row(kernel, shape, model, {"reference": ref_ticks, "optimized": opt_ticks}))
    return {"board": session.board_info.board_id, "counter": session.board_info.counter, "kernels": rows}
