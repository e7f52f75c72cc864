"""The firmware fuzz seeds of the speech stream (STREAM_BEGIN / STREAM_HOPS), made by
tests/fuzz/firmware_seeds.py with the rest: nsNet2's 320/160 chain on a 161-bin model, and the 512-point chains
(Conv-FSENet's 512/256 Hann power-law, and 75 % overlap) on a 257-bin one."""

from __future__ import annotations

import struct

import numpy as np

from hil.link.protocol import Cmd, Status
from tests.fuzz.firmware_seeds import LinkSeed, Request, _model_info, structured, upload

HOP_BYTES = 320  # 160 int16 samples: nsNet2's chain
HOP_REPLY_BYTES = 340  # 5 u32 stage counts and 160 int16 samples


def stream_model():
    """A 161-bin stateless mask model (a 1x1 depthwise conv): 5,016 B, two MODEL_CHUNKs."""
    from hil.compile import synth
    from hil.compile.compiler import compile_graph

    return compile_graph(synth.depthwise(1, 1, 161, k=(1, 1)))


def stream_config(model, flags: int = 0, chain=None) -> bytes:
    """The STREAM_BEGIN payload of a stateless one-in one-out mask model, on nsNet2's chain unless told."""
    from hil.dsp.config import StreamConfig
    from hil.dsp.spec import NSNET2

    f, m = model.inputs[0], model.outputs[0]
    config = StreamConfig(0, 0, 1.0 / f.scale, f.zero_point, m.scale, m.zero_point, chain=chain or NSNET2).pack()
    return config[:3] + bytes([flags]) + config[4:]


def chain_stream_model():
    """A 257-bin stateless mask model (LOGISTIC of the features: tests.stream_models.mask_graph), 208 B."""
    from hil.compile.compiler import compile_graph
    from tests.stream_models import mask_graph

    return compile_graph(mask_graph(257))


CHAIN_HOP_REPLY_BYTES = {256: 532, 128: 276}  # 5 u32 stage counts and the hop's int16 samples


def chain_stream_seed() -> LinkSeed:
    """Upload the 257-bin model; nsNet2's chain is refused (reason 2, its 161 bins); a 512/256 Hann power-law 0.3
    stream begins (7 hops per request) and streams 2 hops; a 400-point FFT is refused (reason 10) and ends it;
    a 512/128 stream (75 % overlap, 14 hops per request) begins and streams 3 hops."""
    from hil.dsp.spec import FSENET, ChainSpec

    model, quarter = chain_stream_model(), ChainSpec(512, 128, "hann", "power-law", 0.3)
    samples = (np.arange(2 * 256, dtype=np.int16) * 89).tobytes()
    no_stream = Request(Cmd.STREAM_HOPS, samples[:512], status=Status.STATE)
    return structured(
        *upload(model.blob), _model_info(2),
        Request(Cmd.STREAM_BEGIN, stream_config(model), Status.BAD_ARG, head=bytes([2]) + struct.pack("<H", 161)),
        no_stream, Request(Cmd.STREAM_BEGIN, stream_config(model, chain=FSENET), head=struct.pack("<H", 7)),
        Request(Cmd.STREAM_HOPS, samples[:1024], length=2 * CHAIN_HOP_REPLY_BYTES[256]),
        Request(Cmd.STREAM_BEGIN, stream_config(model, chain=ChainSpec(400, 200)), Status.BAD_ARG, head=b"\x0a"),
        no_stream, Request(Cmd.STREAM_BEGIN, stream_config(model, chain=quarter), head=struct.pack("<H", 14)),
        Request(Cmd.STREAM_HOPS, samples[: 3 * 256], length=3 * CHAIN_HOP_REPLY_BYTES[128]),
    )  # fmt: skip


def stream_seed() -> LinkSeed:
    """Upload the stream model (complete, loaded), refuse a short config, start a stream, stream 2 hops,
    restart it on the reference kernels, stream 1 hop."""
    model = stream_model()
    hops = (np.arange(2 * 160, dtype=np.int16) * 97).tobytes()
    config = stream_config(model)
    no_stream = Request(Cmd.STREAM_HOPS, hops[:HOP_BYTES], status=Status.STATE)
    return structured(
        *upload(model.blob), _model_info(2), no_stream,
        Request(Cmd.STREAM_BEGIN, config[:-1], status=Status.BAD_ARG, head=b"\x01"), no_stream,
        Request(Cmd.STREAM_BEGIN, config, head=struct.pack("<H", 12)),
        Request(Cmd.STREAM_HOPS, hops, length=2 * HOP_REPLY_BYTES),
        Request(Cmd.STREAM_BEGIN, stream_config(model, flags=1), head=struct.pack("<H", 12)),
        Request(Cmd.STREAM_HOPS, hops[:HOP_BYTES], length=HOP_REPLY_BYTES),
    )  # fmt: skip


def stream_link_seeds() -> dict[str, LinkSeed]:
    """fuzz_link's stream seeds by file name."""
    return {"stream": stream_seed(), "stream-512": chain_stream_seed()}
