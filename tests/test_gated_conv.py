"""HIL_GATED_CONV, the DynCP gated residual block: the numpy reference (hil.gconv.ref), the simulator's
reference and M4 kernels, the host build and the emulated NUCLEO, bit for bit, at every gate open, every
gate closed and random per-frame patterns; pruned channels really skipped (instructions fall with the
gate); bad records refused in one line (compiler) or as BAD_MODEL (loader)."""

from __future__ import annotations

import numpy as np
import pytest

from hil.compile import synth_gconv as synth
from hil.compile.blob import read_blob
from hil.compile.compiler import compile_graph
from hil.errors import DeviceError, ModelError
from hil.gconv import run_frames
from hil.link.protocol import Status
from hil.sim import Simulator
from tests.test_mpgru import _patch

PATTERNS = {"open": synth.OPEN, "closed": synth.CLOSED, "random": 0}
SHAPES = [(16, 24, 8, 3, 2), (13, 30, 5, 3, 4), (64, 96, 8, 3, 1)]  # C, M, R, K, d (13, 5: the scalar tails)


def assert_same(what: str, got: np.ndarray, want: np.ndarray) -> None:
    bad = np.argwhere(got != want)
    assert bad.size == 0, f"{what}: {len(bad)} of {want.size} values differ, first at {bad[0].tolist()}: " \
                          f"got {got[tuple(bad[0])]}, want {want[tuple(bad[0])]}"  # fmt: skip


def _sim_frames(sim: Simulator, x: np.ndarray, reference: bool) -> tuple[np.ndarray, np.ndarray]:
    sim._load()  # a fresh history
    outs = [sim.run(x[t : t + 1], reference=reference) for t in range(len(x))]
    return np.array([o[0].reshape(-1) for o in outs]), np.array([o[1].reshape(-1) for o in outs]).astype(bool)


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_simulator_kernels_match_the_reference(pattern, shape):
    q = synth.random_block(*shape, seed=sum(shape), gate_bias=PATTERNS[pattern])
    x = synth.random_frames(q, 12, seed=1)
    y, keep = run_frames(q, x)
    kept = keep.sum(axis=1)
    want_kept = {"open": q.mid, "closed": 0}.get(pattern)
    assert (kept == want_kept).all() if want_kept is not None else (0 < kept.min() and kept.max() < q.mid
                                                                    and np.unique(kept).size > 2), kept  # fmt: skip
    assert np.unique(y).size > 40, "degenerate block: the outputs barely move"
    sim = Simulator(compile_graph(synth.gconv_graph(q)).blob)
    for reference in (True, False):
        got_y, got_keep = _sim_frames(sim, x, reference)
        assert_same(f"{pattern} {shape} {'reference' if reference else 'M4'} gates", got_keep, keep)
        assert_same(f"{pattern} {shape} {'reference' if reference else 'M4'} y", got_y, y)


def test_a_static_block_keeps_every_channel_without_its_gate_head():
    q = synth.random_block(16, 24, seed=3, gate_bias=synth.CLOSED, static=True)
    x = synth.random_frames(q, 6, seed=2)
    y, keep = run_frames(q, x)
    assert keep.all()
    assert_same("static = every gate open", y, run_frames(q, x, np.ones_like(keep))[0])
    sim = Simulator(compile_graph(synth.gconv_graph(q)).blob)
    for reference in (True, False):
        got_y, got_keep = _sim_frames(sim, x, reference)
        assert got_keep.all()
        assert_same("static block", got_y, y)


def test_the_history_carries_and_a_reload_starts_it_afresh():
    q = synth.random_block(16, 24, seed=3, gate_bias=synth.OPEN)
    x = synth.random_frames(q, 6, seed=2)
    y, _ = run_frames(q, x)
    y_fresh, _ = run_frames(q, x[3:])
    assert (y[3:] != y_fresh).any(), "the history changes nothing: the test could not fail"
    sim = Simulator(compile_graph(synth.gconv_graph(q)).blob)
    assert_same("from a fresh history", _sim_frames(sim, x[3:], False)[0], y_fresh)


def test_board_matches_the_reference(session):
    """host build and emulated NUCLEO: reference and M4 kernels, frames with the history kept on the board."""
    for seed, pattern in ((1, "random"), (2, "open")):
        q = synth.random_block(24, 40, 8, 3, 2, seed=seed, gate_bias=PATTERNS[pattern])
        blob = compile_graph(synth.gconv_graph(q)).blob
        x = synth.random_frames(q, 5, seed=seed)
        y, keep = run_frames(q, x)
        for reference in (True, False):
            session.upload_model(blob)  # a fresh history
            for t in range(len(x)):
                _, out = session.invoke(x[t].tobytes(), reference=reference)
                got = np.frombuffer(out, np.int8)
                assert_same(f"{pattern} frame {t} ({'reference' if reference else 'M4'})", got[: q.channels], y[t])
                assert_same(f"{pattern} frame {t} gates", got[q.channels :].astype(bool), keep[t])


def test_instructions_fall_with_the_gate_on_the_emulator(request):
    """Pruned channels are skipped: on the emulated F446 (tim2-icount: instructions) the M4 kernel's count
    falls with the kept channels, at most the gate head and the bookkeeping left when every gate is shut."""
    from tests.conftest import open_board

    request.getfixturevalue("stm32_elf")
    counts = {}
    with open_board("qemu-f446") as s:
        for pattern, bias in [*PATTERNS.items(), ("static", synth.CLOSED)]:
            q = synth.random_block(64, 128, 8, 3, 2, seed=5, gate_bias=bias, static=pattern == "static")
            s.upload_model(compile_graph(synth.gconv_graph(q)).blob)
            x = synth.random_frames(q, 4, seed=6)
            runs = [s.invoke(x[t].tobytes()) for t in range(len(x))]
            kept = [np.frombuffer(o, np.int8)[64:].sum() for _, o in runs]
            counts[pattern] = (np.mean([c for c, _ in runs]), np.mean(kept))
    (open_, m), (closed, _), (rand, kept) = counts["open"], counts["closed"], counts["random"]
    assert m == 128 and 20 < kept < 108 and counts["static"][1] == 128, counts
    assert counts["static"][0] < open_ - 0.5 * (64 * 8 + 128 * 8), counts  # no gate head
    per_channel = (open_ - closed) / 128
    assert closed < 0.2 * open_, counts  # the gate head and the residual are all that is left
    assert abs(rand - (closed + kept * per_channel)) < 0.1 * open_, counts  # linear in the kept channels
    # 131 MACs a kept channel (expansion row, 3 taps, projection column): the SMLAD paths run them in about
    # 3.7 instructions each with the channel's requantisations and history; the plain C kernel takes 2x that
    assert per_channel < 4 * (2 * 64 + 3), f"{per_channel:.0f} instructions per kept channel: not the SMLAD path"


def _opts(graph, **changes) -> None:
    from flatbuffers import flexbuffers

    op = graph.ops[0]
    opts = flexbuffers.Loads(bytearray(op.custom_options))
    opts.update(changes)
    op.custom_options = bytes(flexbuffers.Dumps(opts))


@pytest.mark.parametrize("what", ["garbage", "kernel", "zp", "history", "variable", "weights"])
def test_compiler_rejects_malformed_blocks_in_one_line(what):
    graph = synth.gconv_graph(synth.random_block(8, 12, 4, seed=1))
    op = graph.ops[0]
    if what == "garbage":
        op.custom_options = b"\x01\x02\x03"
    elif what == "kernel":
        _opts(graph, kernel=9)
    elif what == "zp":
        _opts(graph, v_zp=300)
    elif what == "history":
        _opts(graph, dilation=3)
    elif what == "variable":
        graph.tensors[op.inputs[1]].variable = False
    else:
        graph.tensors[op.inputs[6]].data = graph.tensors[op.inputs[6]].data[:, :-1]
        graph.tensors[op.inputs[6]].shape = graph.tensors[op.inputs[6]].data.shape
    with pytest.raises(ModelError) as exc:
        compile_graph(graph)
    msg = str(exc.value)
    assert "\n" not in msg and ("HIL_GATED_CONV" in msg or "history" in msg), msg
    if what == "kernel":
        assert msg.endswith("custom_options 'kernel': wanted 2..8, got 9"), msg


@pytest.mark.parametrize("field,value", [(3, 9), (5, 5), (2, 65), (8, 200), (12, 3)])
def test_loader_rejects_bad_records_with_bad_model(field, value):
    """kernel 9, hist_frames off, a gate head of 65, u's zero point 200, a rescale offset not aligned."""
    blob = compile_graph(synth.gconv_graph(synth.random_block(8, 12, 4, seed=1))).blob
    base = read_blob(blob).ops[0].params_offset
    Simulator(blob)  # the unpatched blob loads
    with pytest.raises(DeviceError) as exc:
        Simulator(_patch(blob, base + 4 * field, "<i", value))
    assert exc.value.status == Status.BAD_MODEL
