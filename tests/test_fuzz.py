"""A bounded libFuzzer run of the firmware's frame receiver and dispatcher.

The same target runs for longer by hand: `make fuzz-long` (FUZZ_SECONDS=600)."""

import os
import struct
import subprocess

import numpy as np
import pytest

from hil.link.protocol import Cmd
from hil.targets import firmware

RUNS = 150_000


def _structured(*requests) -> bytes:
    """A fuzz input in the harness's structured mode: (type, payload) requests sent as valid frames."""
    out = bytearray([1])
    for cmd, payload in requests:
        size = bytes([len(payload)]) if len(payload) < 255 else b"\xff" + struct.pack("<H", len(payload))
        out += bytes([cmd]) + size + payload
    return bytes(out)


def _stream_seed() -> bytes:
    """Upload a 161-bin stateless mask model (a 1x1 depthwise conv), start a stream, stream 2 hops."""
    import zlib

    from hil.compile import synth
    from hil.compile.compiler import compile_graph
    from hil.dsp.config import StreamConfig

    model = compile_graph(synth.depthwise(1, 1, 161, k=(1, 1)))
    blob, f, m = model.blob, model.inputs[0], model.outputs[0]
    config = StreamConfig(0, 0, 1.0 / f.scale, f.zero_point, m.scale, m.zero_point).pack()
    hops = (np.arange(320, dtype=np.int16) * 97).tobytes()
    return _structured(
        (Cmd.MODEL_BEGIN, struct.pack("<II", len(blob), zlib.crc32(blob))),
        (Cmd.MODEL_CHUNK, struct.pack("<I", 0) + blob),
        (Cmd.MODEL_END, b""),
        (Cmd.STREAM_HOPS, hops[:320]),
        (Cmd.STREAM_BEGIN, config),
        (Cmd.STREAM_HOPS, hops),
        (Cmd.STREAM_BEGIN, config[:3] + b"\x01" + config[4:]),
    )


SEEDS = {
    "hello": _structured((Cmd.HELLO, struct.pack("<H", 0x0100)), (Cmd.INFO, b"")),
    "echo": _structured((Cmd.ECHO, b"abc\x00def"), (Cmd.SINK, b"\x00" * 40), (Cmd.SOURCE, struct.pack("<H", 300))),
    "spin": _structured((Cmd.SPIN, struct.pack("<I", 10))),
    "upload": _structured(
        (Cmd.MODEL_BEGIN, struct.pack("<II", 4, 0xB63CFBCD)),
        (Cmd.MODEL_CHUNK, struct.pack("<I", 0) + b"abcd"),
        (Cmd.MODEL_END, b""),
        (Cmd.MODEL_INFO, b""),
        (Cmd.INVOKE, b"\x01\x02"),
        (Cmd.PROFILE, b""),
    ),
    "reset": _structured((Cmd.ECHO, b"x"), (Cmd.RESET, b""), (Cmd.ECHO, b"y")),
    "raw": b"\x00garbage\x00\x05\x01\x02\x03\x04\x00",
    "stream": _stream_seed(),
}


@pytest.fixture(scope="module")
def fuzzer():
    return firmware.build("fuzz")


@pytest.fixture
def corpus(tmp_path):
    for name, data in SEEDS.items():
        (tmp_path / name).write_bytes(data)
    return tmp_path


def _run(fuzzer, *args, env=None, artifacts=None):
    """Run a fuzzer; crash reproducers go to `artifacts` (a temp dir), never the checkout."""
    prefix = [f"-artifact_prefix={artifacts}/"] if artifacts else []
    return subprocess.run([str(fuzzer), *prefix, *map(str, args)], capture_output=True, text=True, timeout=600,
                          env=env)  # fmt: skip


def test_frame_parser_fuzz_run_finds_nothing(fuzzer, corpus):
    proc = _run(fuzzer, f"-runs={RUNS}", "-seed=1", "-max_len=9000", corpus, artifacts=corpus)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"Done {RUNS} runs" in proc.stderr


def test_seeds_replay_cleanly(fuzzer, corpus):
    proc = _run(fuzzer, *sorted(corpus.iterdir()))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr.count("Executed") == len(SEEDS)


def test_reply_check_catches_a_broken_reply(fuzzer, corpus):
    """The harness's oracle (every reply must be a valid frame) can fail: break replies, expect an abort."""
    env = dict(os.environ, HIL_FUZZ_BREAK_REPLIES="1")
    proc = _run(fuzzer, corpus / "echo", env=env, artifacts=corpus)
    assert proc.returncode != 0
    assert "deadly signal" in proc.stderr or "ABRT" in proc.stderr.upper()


def test_model_loader_fuzz_run_finds_nothing(tmp_path):
    """Mutated .hilm blobs (CRC fixed up) through the loader and interpreter under ASan."""
    from hil.compile import synth
    from hil.compile.compiler import compile_graph

    exe = firmware.build("fuzz_loader")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seeds = [synth.mlp((40, 64, 10)), synth.mlp((16, 8), batch=3), synth.conv2d(4, 4, 8, 8, k=(3, 3)),
             synth.conv2d(1, 6, 8, 16), synth.depthwise(1, 12, 8, dilation=2), synth.depthwise(3, 3, 4, k=(3, 3))]
    from hil.mpgru import synth as mp_synth
    from hil.mpgru.genome import OPERATORS

    genome = tuple(int(b) for b in np.random.default_rng(5).integers(2, 9, len(OPERATORS)))
    seeds += [mp_synth.mp_graph(mp_synth.random_layer(9, 7, genome, 5)), mp_synth.mp_graph(
        mp_synth.random_layer(6, 5, (8,) * len(OPERATORS), 6), batch=2)]
    for i, graph in enumerate(seeds):
        (corpus / f"seed{i}").write_bytes(compile_graph(graph).blob)
    proc = _run(exe, "-runs=40000", "-seed=1", "-max_len=65536", corpus, artifacts=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Done 40000 runs" in proc.stderr


def test_stream_seed_reaches_a_running_stream():
    """The seed's model and config are accepted (checked in the simulator), so mutations start from a live stream."""
    from hil.compile import synth
    from hil.compile.compiler import compile_graph
    from hil.dsp.config import StreamConfig
    from hil.link.protocol import Status
    from hil.sim import load_blob, stream_command

    model = compile_graph(synth.depthwise(1, 1, 161, k=(1, 1)))
    assert len(model.blob) + model.arena_bytes < 8192  # the harness's model region
    load_blob(model.blob)
    f, m = model.inputs[0], model.outputs[0]
    status, _ = stream_command("begin", StreamConfig(0, 0, 1.0 / f.scale, f.zero_point, m.scale, m.zero_point).pack())
    assert status == Status.OK
    status, reply = stream_command("hops", (np.arange(320, dtype=np.int16) * 97).tobytes())
    assert status == Status.OK and len(reply) == 2 * 340
