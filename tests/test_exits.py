"""Early exits (Dynamic nsNet2): the compiler's exits table, the board's loader checks, the policy and the
state rule, bit for bit between the numpy reference, the host mirror, the simulator, the host build and
the emulated F446, and the instructions each exit costs there."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from hil.compile.blob import OP, TENSOR, read_blob
from hil.compile.compiler import compile_tflite, from_blob
from hil.dsp.exits import ExitPolicy
from hil.errors import ConfigError, DeviceError
from hil.link.protocol import Status
from hil.sim import load_blob
from hil.step.chain import StreamModel, open_stream, stream_hops_of, stream_utterance
from hil.step.exits import run_exit_stream
from tests.exit_models import exits_tflite
from tests.stream_models import gru_mask_tflite, utterance

POLICIES = [ExitPolicy("fixed", 0), ExitPolicy("fixed", 1), ExitPolicy("fixed", 2), ExitPolicy("confidence", 0, 0.5)]


def _model(policy):
    return StreamModel.from_tflite(exits_tflite(), policy=policy)


def _fix_crc(blob: bytearray) -> bytes:
    import zlib

    struct.pack_into("<I", blob, 12, zlib.crc32(bytes(blob[16:])))
    return bytes(blob)


def test_compiler_orders_ops_by_exit_and_the_blob_records_them():
    compiled = compile_tflite(exits_tflite())
    exits = compiled.exits
    assert [e["exit"] for e in exits] == [0, 1, 2]
    firsts = [min(e["exit"] for e in exits if i in e["ops"]) for i in range(len(compiled.ops))]
    assert firsts == sorted(firsts)  # ops ordered by the first exit that needs them
    assert set(exits[0]["ops"]) < set(range(len(compiled.ops)))
    assert exits[0]["macs"] < exits[1]["macs"] < exits[2]["macs"]
    assert from_blob(compiled.blob).exits == exits
    assert compile_tflite(gru_mask_tflite()).exits == ()


def _mirror_run(model, pcm):
    """The host mirror hop by hop: (its quantized features per hop, exits taken, output)."""
    stream = open_stream("mirror", model)
    feats, taken, out = [], [], []
    for hop in stream_hops_of(pcm):
        out.append(stream.step(hop)[1])
        feats.append(stream.last_features.copy())
        taken.append(stream.last_exit)
    return np.stack(feats), np.array(taken), np.concatenate(out)


@pytest.mark.parametrize("policy", POLICIES, ids=ExitPolicy.label)
def test_reference_mirror_and_simulator_take_the_same_exits(policy):
    model, pcm = _model(policy), utterance(3)
    feats, taken, _ = _mirror_run(model, pcm)
    sim = stream_utterance("sim", model, pcm)
    mirror = stream_utterance("mirror", model, pcm)
    masks, ref_taken, _ = run_exit_stream(exits_tflite(), feats, policy, engine="sim")  # every op, then the rule
    assert np.array_equal(sim.enhanced, mirror.enhanced)
    assert np.array_equal(sim.exits, taken) and np.array_equal(ref_taken, taken)
    if policy.mode == "confidence":
        assert len(set(taken.tolist())) == 3  # the threshold makes frames take every exit


def test_state_rule_held_is_what_the_board_runs(monkeypatch):
    """Under a policy that switches exits, the C stream (which skips ops) equals the mirror holding skipped
    states, and differs from one that would feed every state back (the rule is observable)."""
    from hil.dsp.exits import ExitConfig

    model, pcm = _model(POLICIES[3]), utterance(3)
    sim = stream_utterance("sim", model, pcm)
    assert np.array_equal(sim.enhanced, stream_utterance("mirror", model, pcm).enhanced)
    monkeypatch.setattr(ExitConfig, "written", lambda self, evaluated: set(range(16)))
    assert not np.array_equal(sim.enhanced, stream_utterance("mirror", model, pcm).enhanced)


def test_board_streams_exits_bit_exact_and_skips_ops(session):
    pcm, model_counts = utterance(3)[:8000], {}
    for policy in POLICIES:
        model = _model(policy)
        board, sim = stream_utterance(session, model, pcm), stream_utterance("sim", model, pcm)
        assert np.array_equal(board.enhanced, sim.enhanced), policy.label()
        assert np.array_equal(board.exits, sim.exits), policy.label()
        model_counts[policy.label()] = board.stage_counts[:, 2].astype(np.int64)
    legacy = StreamModel.from_tflite(exits_tflite())
    board = stream_utterance(session, legacy, pcm)
    assert board.exits is None and np.array_equal(board.enhanced, stream_utterance("sim", legacy, pcm).enhanced)
    if board.counter == "tim2-icount":  # instructions: exact, so each exit strictly costs more
        means = [model_counts[f"exit {k}"].mean() for k in range(3)]
        assert means[0] < means[1] < means[2], means
        assert means[0] < model_counts["confidence 0.5"].mean() < means[2]
        assert board.stage_counts[:, 2].mean() > means[2]  # every op: the early heads too


def test_bad_exit_options_are_one_clear_line():
    with pytest.raises(ConfigError, match=r"--exit: wanted an exit of .* in 0\.\.2, got 3"):
        _model(ExitPolicy("fixed", 3))
    for bad in (1.5, -0.1, float("nan")):
        with pytest.raises(ConfigError, match=r"--threshold: wanted a confidence threshold in \[0, 1\]"):
            _model(ExitPolicy("confidence", threshold=bad))
    with pytest.raises(ConfigError, match="has no early exits"):
        StreamModel.from_tflite(gru_mask_tflite(), name="gru-mask", policy=ExitPolicy("fixed", 0))


def test_board_refuses_exit_blocks_it_cannot_run():
    from dataclasses import replace

    good = _model(POLICIES[0])
    bad_exit = replace(good.config, exits=replace(good.config.exits, policy=ExitPolicy("fixed", 5)))
    with pytest.raises(DeviceError, match="wanted a fixed exit the model has"):
        open_stream("sim", StreamModel(good.compiled, bad_exit))
    plain = StreamModel.from_tflite(gru_mask_tflite())
    with pytest.raises(DeviceError, match="wanted a model with exits"):
        open_stream("sim", StreamModel(plain.compiled, replace(plain.config, exits=good.config.exits)))


def _op_exits(blob: bytes, i: int, value: int) -> bytes:
    b = bytearray(blob)
    b[read_blob(blob).header["ops_offset"] + i * OP.size + 3] = value
    return _fix_crc(b)


def test_loader_refuses_exit_tables_that_would_skip_a_needed_op():
    blob = compile_tflite(exits_tflite()).blob
    info = read_blob(blob)
    load_blob(blob)  # the good one loads
    first, last = 0, len(info.ops) - 1
    dup = bytearray(blob)
    dup[info.header["tensors_offset"] + info.outputs[[info.tensors[t].exit for t in info.outputs].index(2)]
        * TENSOR.size + 3] = 1  # fmt: skip
    bad = {
        "first op not needed by exit 0": _op_exits(blob, first, info.ops[first].exits & ~1),
        "ops out of exit order": _op_exits(blob, last, 0b001 | info.ops[last].exits),
        "an op no exit needs": _op_exits(blob, last, 0),
        "an exit beyond the count": _op_exits(blob, last, 0b1000 | info.ops[last].exits),
        "two outputs claim exit 0": _fix_crc(dup),
    }
    for name, damaged in bad.items():
        with pytest.raises(DeviceError) as err:
            load_blob(damaged)
        assert err.value.status == Status.BAD_MODEL, name
