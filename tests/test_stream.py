"""The whole chain streaming through a small int8 GRU masking model: on the emulated NUCLEO and the
host build (STREAM_BEGIN / STREAM_HOPS), in the simulator library, and in the host mirror, all bit
for bit; bad configurations and misuse get typed errors; a reset mid-stream is reported."""

from __future__ import annotations

import dataclasses
import math
import struct
import time

import numpy as np
import pytest

from hil.dsp import spec
from hil.dsp.chain import ChainStream
from hil.dsp.config import StateLink
from hil.step.chain import BoardStream, StreamModel, stream_hops_of, stream_utterance
from hil.errors import BoardResetError, DeviceError
from hil.link import framing
from hil.link.protocol import STREAM_MAX_HOPS, Cmd, Status
from tests.conftest import EMULATED_BOARDS
from tests.stream_models import assert_board_matches_mirror, gru_mask_tflite, sample_diff, utterance


@pytest.fixture(scope="module")
def model() -> StreamModel:
    return StreamModel.from_tflite(gru_mask_tflite())


@pytest.fixture(scope="module")
def mirror(model):
    return stream_utterance("mirror", model, utterance())


def test_config_comes_from_the_step_model(model):
    cfg = model.config
    f, m = model.compiled.inputs[cfg.feature_input], model.compiled.outputs[cfg.mask_output]
    assert f.shape[-1] == m.shape[-1] == spec.BINS and len(cfg.links) == 1
    assert cfg.feature_inv_scale == pytest.approx(1 / f.scale, rel=1e-7) and cfg.mask_scale == m.scale
    link = cfg.links[0]
    assert model.compiled.inputs[link.state_in].shape[-1] == model.compiled.outputs[link.state_out].shape[-1]
    assert 1 << 30 <= link.multiplier < 1 << 31


def test_mirror_follows_the_spec_with_its_own_masks(model, mirror):
    """The mirror's output is the float64 spec's enhance() with the masks it applied, within 2 LSB
    (alignment, latency, windows and scaling as the spec defines them)."""
    pcm = utterance()
    stream = ChainStream(model.compiled, model.config)
    masks = []
    for hop in stream_hops_of(pcm):
        stream.step(hop)
        masks.append(stream.last_mask)
    want = spec.enhance(pcm, lambda feats: np.array(masks[: len(feats)], np.float64)) * 32768
    err = np.abs(mirror.enhanced - want)
    assert err.max() <= 2, err.max()
    assert np.abs(mirror.enhanced.astype(np.int32) - pcm).max() > 100  # the mask did something


def test_simulator_c_chain_matches_the_mirror_bit_exact(model, mirror):
    got = stream_utterance("sim", model, utterance())
    assert np.array_equal(got.enhanced, mirror.enhanced), sample_diff(got.enhanced, mirror.enhanced)
    assert got.stage_counts.shape == (math.ceil(len(utterance()) / spec.HOP) + 1, 5)


def test_reference_kernels_stream_bit_exact_too(model):
    ref = StreamModel(model.compiled, dataclasses.replace(model.config, reference=True))
    pcm = utterance()[:4000]
    a, b = stream_utterance("sim", ref, pcm), stream_utterance("mirror", ref, pcm)
    assert np.array_equal(a.enhanced, b.enhanced), sample_diff(a.enhanced, b.enhanced)


def test_board_stream_matches_the_mirror_bit_exact(session, model, mirror):
    got = assert_board_matches_mirror(session, model, mirror)
    if got.counter == "tim2-icount":
        counts = got.stage_counts
        assert counts[:, 2].min() > counts[:, 0].max()  # the model is the biggest stage


def _refused(session, payload: bytes) -> str:
    with pytest.raises(DeviceError) as err:
        session.stream_begin(payload)
    assert err.value.status == Status.BAD_ARG and "\n" not in str(err.value)
    return str(err.value)


def test_bad_stream_configs_get_typed_errors(session, model):
    with pytest.raises(DeviceError, match="STREAM_BEGIN with no_model"):
        session.stream_begin(model.config.pack())
    BoardStream(session, model)  # uploads the model; a good config is accepted
    cfg, link = model.config, model.config.links[0]
    other_in, other_out = 1 - cfg.feature_input, 1 - cfg.mask_output
    cases = {
        "payload length": model.config.pack()[:-1],
        "feature input: wanted an int8": dataclasses.replace(cfg, feature_input=7).pack(),
        "feature input: wanted an int8 model input with 161": dataclasses.replace(cfg, feature_input=other_in).pack(),
        "mask output: wanted": dataclasses.replace(cfg, mask_output=other_out).pack(),
        "feature quantization": dataclasses.replace(cfg, feature_inv_scale=float("nan")).pack(),
        "mask dequantization": dataclasses.replace(cfg, mask_zp=cfg.mask_zp + 1).pack(),
        "state links: wanted at most 4": dataclasses.replace(cfg, links=()).pack(),
        "state link: wanted": dataclasses.replace(cfg, links=(dataclasses.replace(link, state_in=cfg.feature_input),)).pack(),
        "state requantization": dataclasses.replace(cfg, links=(dataclasses.replace(link, multiplier=5),)).pack(),
        "state requantization: wanted multiplier": dataclasses.replace(cfg, links=(dataclasses.replace(link, shift=40),)).pack(),
    }  # fmt: skip
    for reason, payload in cases.items():
        assert reason in _refused(session, payload), reason
    five = model.config.pack()[:2] + bytes([5]) + model.config.pack()[3:32] + bytes(100)
    assert "state links" in _refused(session, five)
    assert BoardStream(session, model).max_hops == STREAM_MAX_HOPS  # still answering, and a good config works


def test_hops_need_a_stream_and_die_with_the_model(session, model):
    hop = np.zeros((1, spec.HOP), np.int16)
    stream = BoardStream(session, model)
    for bad in (b"", b"\x00" * 100, b"\x00" * (320 * STREAM_MAX_HOPS + 2)):
        assert session.exchange(Cmd.STREAM_HOPS, bad).status == Status.BAD_ARG
    stream.hops(np.repeat(hop, STREAM_MAX_HOPS, axis=0))
    session.upload_model(model.compiled.blob)  # a new upload ends the stream
    with pytest.raises(DeviceError, match="has no stream: STREAM_BEGIN first") as err:
        stream.hops(hop)
    assert err.value.status == Status.STATE
    session.stream_begin(model.config.pack())
    counts, out = stream.hops(hop)
    assert counts.shape == (1, 5) and out.shape == (1, spec.HOP)


def test_board_reset_mid_stream_is_reported_not_hung(session, model):
    real, calls = session.stream_hops, []

    def hops_then_reset(pcm):
        calls.append(len(pcm))
        if len(calls) == 3:  # someone resets the board between two requests
            session.port.write(b"\x00" + framing.encode(framing.Frame(Cmd.RESET, 0, 777, b"")))
        return real(pcm)

    session.stream_hops = hops_then_reset
    t0 = time.monotonic()
    with pytest.raises(BoardResetError, match=r"reset \(software\) while answering STREAM_HOPS.* at hop 8 of") as err:
        stream_utterance(session, model, utterance(), hops_per_request=4)
    assert err.value.reset_cause == "software" and time.monotonic() - t0 < 30
    session.stream_hops = real
    session.hello()
    with pytest.raises(DeviceError, match="no_model"):  # the reset took the model and the stream
        session.stream_begin(model.config.pack())


def test_state_links_generalize_to_a_list(model):
    """Configs with several links pack one 20-byte record each after the 32-byte head (what multi-GRU step
    models will send)."""
    link = model.config.links[0]
    two = dataclasses.replace(model.config, links=(link, StateLink(3, 2, 1 << 30, -1, 0, 0)))
    packed = two.pack()
    assert len(packed) == 32 + 2 * 20 and packed[2] == 2
    assert struct.unpack_from("<BBHiiii", packed, 52) == (3, 2, 0, 1 << 30, -1, 0, 0)


@pytest.mark.parametrize("board", EMULATED_BOARDS)
def test_a_stream_runs_the_kernels_an_invoke_runs(board, model):
    """STREAM_BEGIN prepares every op afresh (hil_runtime_restart) and keeps the evals the load chose, the
    core's kernel sets applied: each op costs in a stream what it costs in an INVOKE, instruction for
    instruction (on qemu-rv32 a stream once ran the _m4 forms kernel_sets/rv32.c had turned off)."""
    from tests.conftest import open_board

    n = sum(t.nbytes for t in model.compiled.inputs)
    x = np.random.default_rng(0).integers(-128, 128, n, dtype=np.int8).tobytes()
    with open_board(board) as s:
        s.upload_model(model.compiled.blob)
        s.invoke(x)
        before = [op["cycles"] for op in s.profile()[1]]
        BoardStream(s, model)
        s.invoke(x)
        assert [op["cycles"] for op in s.profile()[1]] == before
