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
    return {"stream": stream_seed(), "stream-512": chain_stream_seed(), "stream-exits": exits_stream_seed()}


def exits_stream_model():
    """A 161-bin mask model with an early exit (protocol 1.4), small enough for the harness: features -> 1x1
    depthwise -> LOGISTIC = exit_0, and the same activations -> another LOGISTIC = mask (hil.compile.exits)."""
    from dataclasses import replace

    from hil.compile import synth
    from hil.compile.compiler import compile_graph
    from hil.compile.tflite import Op, Tensor

    g = synth.depthwise(1, 1, 161, k=(1, 1))
    t = list(g.tensors)
    for name in ("exit_0", "mask"):
        t.append(Tensor(len(t), name, "int8", (1, 1, 1, 161), np.array([1 / 256], np.float32), np.array([-128]), 0,
                        None))  # fmt: skip
    ops = [g.ops[0], Op(1, "LOGISTIC", [3], [4]), Op(2, "LOGISTIC", [3], [5])]
    graph = replace(g, tensors=t, ops=ops, outputs=[5, 4], signature_names={5: "mask", 4: "exit_0"},
                    consumers={3: [1, 2], 0: [0], 1: [0], 2: [0]})  # fmt: skip
    return compile_graph(graph)


def exits_stream_config(model, policy) -> bytes:
    from hil.dsp.config import StreamConfig
    from hil.dsp.exits import exit_config

    f, m = model.inputs[0], model.outputs[0]
    exits = exit_config(policy, model.outputs, [1, 0], [set(), set()], 161)
    return StreamConfig(0, 0, 1.0 / f.scale, f.zero_point, m.scale, m.zero_point, exits=exits).pack()


def exits_stream_seed() -> LinkSeed:
    """Upload the exits model; stream 2 hops under the confidence policy (11 hops per request: each reply
    record carries the exit taken); a fixed exit 5 is refused (reason 17) and ends it; stream 1 hop at fixed
    exit 0."""
    from hil.dsp.exits import ExitPolicy

    model = exits_stream_model()
    hops = (np.arange(2 * 160, dtype=np.int16) * 97).tobytes()
    bad = bytearray(exits_stream_config(model, ExitPolicy("fixed", 0)))
    bad[32 + 1] = 5  # the exit block's fixed exit
    return structured(
        *upload(model.blob), _model_info(2),
        Request(Cmd.STREAM_BEGIN, exits_stream_config(model, ExitPolicy("confidence", threshold=0.5)),
                head=struct.pack("<H", 11)),
        Request(Cmd.STREAM_HOPS, hops, length=2 * (HOP_REPLY_BYTES + 2)),
        Request(Cmd.STREAM_BEGIN, bytes(bad), Status.BAD_ARG, head=b"\x11"),
        Request(Cmd.STREAM_HOPS, hops[:HOP_BYTES], status=Status.STATE),  # the refusal ended the stream
        Request(Cmd.STREAM_BEGIN, exits_stream_config(model, ExitPolicy("fixed", 0)), head=struct.pack("<H", 11)),
        Request(Cmd.STREAM_HOPS, hops[:HOP_BYTES], length=HOP_REPLY_BYTES + 2),
    )  # fmt: skip
