"""The speech chain as data: every kind of chain the board runs (nsNet2's 320/160 log-power, Conv-FSENet's
512/256 Hann power-law 0.3, 75 % overlap, both windows) streams a whole utterance through a mask model of its
bin count on the host build, the emulated NUCLEO, the simulator library and the host mirror, bit for bit;
the model names its chain; chains and tensors the board cannot run are refused in one line, on the host
before any board work and by the board with a reason, and the board keeps answering."""

from __future__ import annotations

import dataclasses
import struct

import numpy as np
import pytest

from hil.dsp.chain import ChainStream
from hil.dsp.spec import FSENET, NSNET2, ChainSpec
from hil.errors import ConfigError, DeviceError
from hil.link.protocol import Cmd, Status, stream_max_hops
from hil.step.chain import BoardStream, StreamModel, stream_hops_of, stream_utterance
from tests.stream_models import assert_board_matches_mirror, mask_tflite, sample_diff, utterance

CHAINS = [NSNET2, FSENET, ChainSpec(320, 80, "hann", "power-law", 0.5), ChainSpec(512, 128, "sqrt-hann")]


def _id(c: ChainSpec) -> str:
    return c.label().replace(" ", "-")


@pytest.fixture(scope="module", params=CHAINS, ids=_id)
def model(request) -> StreamModel:
    return StreamModel.from_tflite(mask_tflite(request.param))


@pytest.fixture(scope="module")
def mirror(model):
    return stream_utterance("mirror", model, utterance())


def test_the_model_names_its_chain(model):
    chain, packed = model.chain, model.config.pack()
    assert chain in CHAINS and model.compiled.inputs[0].shape[-1] == chain.bins
    assert len(packed) == 32 and struct.unpack_from("<HH", packed, 20) == (chain.fft_size, chain.hop)


def test_mirror_follows_the_spec_and_the_simulator_follows_the_mirror(model, mirror):
    chain, pcm, masks = model.chain, utterance(), []
    stream = ChainStream(model.compiled, model.config)
    for hop in stream_hops_of(pcm, chain):
        stream.step(hop)
        masks.append(stream.last_mask)
    want = chain.enhance(pcm, lambda feats: np.array(masks[: len(feats)], np.float64)) * 32768
    assert np.abs(mirror.enhanced - want).max() <= 2
    assert np.abs(mirror.enhanced.astype(np.int32) - pcm).max() > 100  # the mask did something
    got = stream_utterance("sim", model, pcm)
    assert np.array_equal(got.enhanced, mirror.enhanced), sample_diff(got.enhanced, mirror.enhanced)
    assert got.stage_counts.shape == (chain.hops_of(len(pcm)), 5)


def test_board_streams_bit_exact_with_the_mirror(session, model, mirror):
    assert_board_matches_mirror(session, model, mirror)


def test_hops_per_request_follow_the_hop(session, model):
    hop = model.chain.hop
    stream = BoardStream(session, model)
    assert stream.max_hops == stream_max_hops(hop) and stream.max_hops * (20 + 2 * hop) <= 4096
    counts, out = stream.hops(np.zeros((stream.max_hops, hop), np.int16))
    assert counts.shape == (stream.max_hops, 5) and out.shape == (stream.max_hops, hop)
    too_many = np.zeros((stream.max_hops + 1) * hop, np.int16)  # a request a frame holds, a reply it would not
    for bad in [np.zeros(hop + 1, np.int16)] + [too_many] * (too_many.nbytes <= 4096):
        assert session.exchange(Cmd.STREAM_HOPS, bad.tobytes()).status == Status.BAD_ARG


BAD = {  # a chain the board has no tables or code for -> the line the board's reason turns into
    "chain: wanted an FFT size": ChainSpec(400, 200),
    "chain: wanted a hop": ChainSpec(512, 200),
    "chain: wanted a window": ChainSpec(320, 160, "hamming"),
    "chain: wanted a feature": ChainSpec(320, 160, feature="mel"),
    "chain: wanted a power-law exponent": ChainSpec(512, 256, "hann", "power-law", float("nan")),
    "chain: wanted a mask": ChainSpec(512, 256, mask="complex"),
}


def test_board_refuses_chains_it_cannot_run_and_keeps_answering(session):
    model = StreamModel.from_tflite(mask_tflite(FSENET))
    BoardStream(session, model)
    for reason, chain in BAD.items():
        with pytest.raises(DeviceError, match=reason) as err:
            session.stream_begin(dataclasses.replace(model.config, chain=chain).pack())
        assert err.value.status == Status.BAD_ARG and "\n" not in str(err.value)
        with pytest.raises(ConfigError):
            chain.check()  # the host refuses each before any board work
    nsnet = dataclasses.replace(model.config, chain=NSNET2).pack()  # 257 bins on a 161-bin chain
    with pytest.raises(DeviceError, match="feature input: wanted an int8 model input with 161 elements"):
        session.stream_begin(nsnet)
    with pytest.raises(DeviceError, match="STREAM_BEGIN first"):
        session.stream_hops(np.zeros((1, 256), np.int16))
    assert BoardStream(session, model).max_hops == 7  # still answering, and a good config works


def test_the_chain_rides_in_the_card_and_the_tflite_without_changing_the_model():
    from tflite_micro.tensorflow.lite.micro.python.schema_py_generated import Model

    from hil.compile.compiler import compile_tflite
    from hil.dsp.identity import card_chain, chain_of, with_chain
    from hil.zoo import zoo_path
    from tests.graphs import to_tflite
    from tests.stream_models import mask_graph

    assert card_chain(zoo_path("nsnet2-small")) == NSNET2
    plain = to_tflite(mask_graph(257), {0: "features", 1: "mask"})
    named = with_chain(plain, FSENET)
    assert chain_of(plain) == NSNET2 and chain_of(named) == FSENET
    renamed = with_chain(named, ChainSpec(512, 128))  # the entry is replaced, not added
    entries = [Model.GetRootAs(t, 0).MetadataLength() for t in (plain, named, renamed)]
    assert chain_of(renamed) == ChainSpec(512, 128) and entries[1] == entries[2] == entries[0] + 1
    assert compile_tflite(named).blob == compile_tflite(plain).blob


def test_host_refuses_a_model_the_chain_does_not_fit_in_one_line():
    from hil.dsp.identity import with_chain
    from tests.graphs import to_tflite
    from tests.stream_models import mask_graph

    no_chain = to_tflite(mask_graph(257), {0: "features", 1: "mask"})  # 257 bins, no hil_chain: nsNet2's
    with pytest.raises(ConfigError, match=r"feature input: wanted quantized int8 with 161 elements \(the bins of"):
        StreamModel.from_tflite(no_chain)
    with pytest.raises(ConfigError, match="gated: hil_chain metadata: chain 400/200 .* wanted an FFT size"):
        StreamModel.from_tflite(mask_tflite(FSENET).replace(b'"fft_size": 512, "hop": 256',
                                                            b'"fft_size": 400, "hop": 200'), name="gated")  # fmt: skip
    with pytest.raises(ConfigError, match="wanted a window"):
        with_chain(no_chain, ChainSpec(512, 256, "kaiser"))
