"""The seed corpora of the firmware's libFuzzer targets (firmware/fuzz/), and how each seed is made.

The seeds are committed in firmware/fuzz/seeds/<target>/: `make fuzz-long` copies them into its working
corpus under firmware/build/fuzz/, tests/test_fuzz.py runs from them and checks them against this module.

    python -m tests.fuzz.firmware_seeds            # (re)write firmware/fuzz/seeds/{link,loader}/
    python -m tests.fuzz.firmware_seeds --check    # exit 1 when a committed seed is not what is made here

link (fuzz_link.c): each seed is one complete request sequence in the harness's structured mode (or raw
wire bytes), with the reply each request is meant to get; the tests replay every seed on the harness with
HIL_FUZZ_TRACE=1 and compare. No payload passes one frame's limit: a blob goes up in several MODEL_CHUNKs.
loader (fuzz_loader.c): compiled .hilm blobs of synthetic graphs, each meant to load and run, and model slot
images (hil/slot.h: valid, blank, cut short, a bad offset behind good CRCs), each meant to reach its state on
the slot path. Everything is deterministic (graphs and weights from fixed seeds).
"""

from __future__ import annotations

import argparse
import struct
import sys
import zlib
from dataclasses import dataclass

import numpy as np

from hil.link import framing
from hil.link.protocol import MAX_PAYLOAD, TYPE_REPLY, Cmd, Status, reply_type
from hil.paths import firmware_dir

HARNESS_MODEL_REGION_BYTES = 8192  # fuzz_link.c's model_region


@dataclass(frozen=True)
class Reply:
    """A reply a seed means to get: its type and status, the start of its payload (at most the 8 bytes the
    harness's trace shows), its payload length if checked."""

    type: int
    status: int = Status.OK
    head: bytes = b""
    length: int | None = None


@dataclass(frozen=True)
class Request:
    """One request of a link seed and what the board is meant to answer."""

    cmd: int
    payload: bytes = b""
    status: int = Status.OK
    head: bytes = b""
    length: int | None = None

    def reply(self) -> Reply:
        return Reply(reply_type(self.cmd), self.status, self.head, self.length)


@dataclass(frozen=True)
class LinkSeed:
    """A fuzz_link input: the bytes, how many requests the harness sends for them, the replies meant."""

    data: bytes
    requests: int
    replies: tuple[Reply, ...]


def structured(*requests: Request) -> LinkSeed:
    """The harness's structured mode: byte 1, then per request u8 type, u8 length (255: a u16 follows),
    the payload. It sends each as a valid frame; odd types advance the seq, even ones keep it."""
    out = bytearray([1])
    for i, r in enumerate(requests):
        if len(r.payload) > MAX_PAYLOAD:
            raise ValueError(f"{Cmd(r.cmd).name} payload of {len(r.payload)} B: a frame carries {MAX_PAYLOAD} B")
        if i and r.cmd == requests[i - 1].cmd and r.cmd % 2 == 0:
            raise ValueError(f"{Cmd(r.cmd).name} twice in a row goes with the same seq: a retry, not run again")
        size = bytes([len(r.payload)]) if len(r.payload) < 255 else b"\xff" + struct.pack("<H", len(r.payload))
        out += bytes([r.cmd]) + size + r.payload
    return LinkSeed(bytes(out), len(requests), tuple(r.reply() for r in requests))


def upload(blob: bytes, loads: bool = True) -> list[Request]:
    """A complete upload: MODEL_BEGIN, the blob in MODEL_CHUNKs of at most one frame, MODEL_END."""
    step, crc = MAX_PAYLOAD - 4, zlib.crc32(blob)
    begin = Request(Cmd.MODEL_BEGIN, struct.pack("<II", len(blob), crc),
                    head=struct.pack("<I", HARNESS_MODEL_REGION_BYTES))  # fmt: skip
    chunks = []
    for at in range(0, len(blob), step):
        piece = blob[at : at + step]
        chunks.append(Request(Cmd.MODEL_CHUNK, struct.pack("<I", at) + piece, head=struct.pack("<I", at + len(piece))))
    end = Request(Cmd.MODEL_END, status=Status.OK if loads else Status.BAD_MODEL, head=struct.pack("<I", crc))
    return [begin, *chunks, end]


def _model_info(state: int) -> Request:
    return Request(Cmd.MODEL_INFO, head=bytes([state]))  # 2: loaded, 3: rejected


def _model_seed() -> LinkSeed:
    """Upload a 16-8 MLP, check it loaded, run it (optimized and reference kernels) and profile it."""
    from hil.compile import synth
    from hil.compile.compiler import compile_graph

    blob, rows = compile_graph(synth.mlp((16, 8))).blob, bytes(range(16))
    run = [Request(Cmd.INVOKE, bytes([flags]) + rows, length=4 + 8) for flags in (0, 1)]
    return structured(*upload(blob), _model_info(2), run[0], Request(Cmd.PROFILE), run[1])


def tensor_model():
    """A 24-16 MLP for the tensor seed: 24 input bytes staged in three INPUT_WRITEs, 16 output bytes read in two."""
    from hil.compile import synth
    from hil.compile.compiler import compile_graph

    return compile_graph(synth.mlp((24, 16), seed=3))


TENSOR_ROW = bytes(range(0, 240, 10))  # the tensor seed's 24 input bytes


def _tensor_seed() -> LinkSeed:
    """Inputs staged in pieces (a piece past the end, a gap, an invoke after a partial write: refused), a
    staged invoke, the outputs read in two pieces (one past the end: refused), then the reference kernels
    with the outputs in the reply. Every reply's staged count or counter figure (0 on the harness) is checked;
    test_fuzz checks the bytes read against the simulator."""
    blob, x = tensor_model().blob, TENSOR_ROW

    def write(at: int, data: bytes, staged: int, status=Status.OK) -> Request:
        return Request(Cmd.INPUT_WRITE, struct.pack("<I", at) + data, status, head=struct.pack("<I", staged))

    def read(at: int, n: int, status=Status.OK) -> Request:
        return Request(Cmd.OUTPUT_READ, struct.pack("<IH", at, n), status, length=n if status == Status.OK else 0)

    def invoke(flags: int, status=Status.OK, head=bytes(4), length=4) -> Request:
        return Request(Cmd.INVOKE_STAGED, bytes([flags]), status, head=head, length=length)

    return structured(
        *upload(blob), write(0, bytes(25), 0, Status.BAD_ARG), write(8, x[8:16], 0, Status.STATE),
        write(0, x[:8], 8), invoke(0, Status.STATE, head=struct.pack("<I", 8)), write(8, x[8:16], 16),
        write(16, x[16:], 24), invoke(0), read(0, 8), read(8, 8), read(8, 9, Status.BAD_ARG),
        write(0, x, 24), invoke(3, length=4 + 16), read(0, 8),
    )  # fmt: skip


def _raw_seed() -> LinkSeed:
    """Wire bytes: a frame too short to read, a HELLO, an ECHO with a damaged CRC, an ECHO, a frame too long."""
    hello = framing.encode(framing.Frame(Cmd.HELLO, 0, 7, struct.pack("<H", 0x0100)))
    echo = framing.encode(framing.Frame(Cmd.ECHO, 0, 8, b"ping"))
    damaged = echo.replace(b"ping", b"pong")  # still good COBS, but not the CRC's data
    data = b"\x00\x00\x05\x01\x02\x03\x04\x00" + hello + damaged + echo + b"\x01" * 4200 + b"\x00"
    error = [Reply(TYPE_REPLY | Cmd.NONE, status) for status in (Status.FRAME, Status.CRC, Status.TOO_LONG)]
    return LinkSeed(data, 0, (error[0], Reply(reply_type(Cmd.HELLO)), error[1],
                              Reply(reply_type(Cmd.ECHO), head=b"ping"), error[2]))  # fmt: skip


def link_seeds() -> dict[str, LinkSeed]:
    """fuzz_link's seeds by file name."""
    from tests.fuzz.slot_seeds import slot_link_seeds
    from tests.fuzz.stream_seeds import stream_link_seeds

    source = bytes((i * 31 + 7) & 0xFF for i in range(300))
    unknown = Status.UNKNOWN_CMD
    return {
        "hello": structured(Request(Cmd.HELLO, struct.pack("<H", 0x0100)), Request(Cmd.INFO),
                            Request(Cmd.HELLO, struct.pack("<H", 0x0900), status=Status.VERSION)),
        "echo": structured(Request(Cmd.ECHO, b"abc\x00def", head=b"abc\x00def"),
                           Request(Cmd.SINK, bytes(40), head=struct.pack("<I", 40)),
                           Request(Cmd.SOURCE, struct.pack("<H", 300), head=source[:8], length=300)),
        "spin": structured(Request(Cmd.SPIN, struct.pack("<I", 10)),
                           Request(Cmd.SPIN, struct.pack("<I", 10_000_001), status=Status.BAD_ARG)),
        "model": _model_seed(),
        "rejected": structured(*upload(b"abcd", loads=False), _model_info(3),
                               Request(Cmd.INVOKE, b"\x00\x01", status=Status.NO_MODEL),
                               Request(Cmd.PROFILE, status=Status.NO_MODEL)),
        "upload-errors": structured(
            Request(Cmd.MODEL_BEGIN, struct.pack("<II", HARNESS_MODEL_REGION_BYTES + 1, 0), status=Status.NO_SPACE),
            Request(Cmd.MODEL_CHUNK, struct.pack("<I", 0) + b"x", status=Status.STATE),
            Request(Cmd.MODEL_BEGIN, struct.pack("<II", 10, 0)),
            Request(Cmd.MODEL_CHUNK, struct.pack("<I", 4) + b"x", status=Status.STATE),
            Request(Cmd.MODEL_CHUNK, struct.pack("<I", 0) + b"x" * 11, status=Status.BAD_ARG),
            Request(Cmd.MODEL_END, status=Status.STATE)),
        "reset": structured(Request(Cmd.ECHO, b"x"), Request(Cmd.RESET), Request(Cmd.ECHO, b"y")),
        "not-a-request": structured(Request(0x55, status=unknown), Request(0xC1, status=unknown),
                                    Request(Cmd.NONE, status=unknown), Request(Cmd.ECHO, b"z")),
        "raw": _raw_seed(),
        "tensors": _tensor_seed(),
        **stream_link_seeds(),
        **slot_link_seeds(),
    }  # fmt: skip


def loader_graphs() -> dict:
    """fuzz_loader's seed graphs by file name: one or more of every op family, MP-GRUs, gated convs, pools, pads,
    layer ops."""
    from hil.compile import synth, synth_gconv, synth_gru, synth_mpgru as mp_synth
    from hil.mpgru.genome import OPERATORS
    from tests.exit_models import exits_graph
    from tests.graphs import fast_path_graphs, layer_graphs

    genome = tuple(int(b) for b in np.random.default_rng(5).integers(2, 9, len(OPERATORS)))
    return {
        "mlp-40-64-10": synth.mlp((40, 64, 10)),
        "mlp-16-8-batch3": synth.mlp((16, 8), batch=3),
        "conv-4x4x8-8-k3": synth.conv2d(4, 4, 8, 8, k=(3, 3)),
        "conv-1x6x8-16": synth.conv2d(1, 6, 8, 16),
        "depthwise-1x12x8-dilation2": synth.depthwise(1, 12, 8, dilation=2),
        "depthwise-3x3x4-k3": synth.depthwise(3, 3, 4, k=(3, 3)),
        "mpgru-9-7-mixed-bits": mp_synth.mp_graph(mp_synth.random_layer(9, 7, genome, 5)),
        "mpgru-6-5-8bit-batch2": mp_synth.mp_graph(mp_synth.random_layer(6, 5, (8,) * len(OPERATORS), 6), batch=2),
        "gru-step-6-9-5-both-resets": synth_gru.gru_step(6, (9, 5), (True, False), seed=2),
        "gated-conv-13-10-5-k3-d2": synth_gconv.gconv_graph(synth_gconv.random_block(13, 10, 5, 3, 2, seed=3)),
        "exits-8-4-4": exits_graph(),
        "avgpool-9x9x13-k3-same-relu": synth.pool2d(9, 9, 13, k=(3, 3), same=True, activation=1),
        "avgpool-2x150x6-300-taps": synth.pool2d(2, 150, 6, k=(2, 150), stride=(1, 1)),
        "maxpool-7x9x9-k3-s2-relu6": synth.pool2d(7, 9, 9, k=(3, 3), same=True, kind="MAX_POOL_2D", activation=3),
        "avgpool-6x6x5-int16": synth.pool2d(6, 6, 5, k=(3, 3), stride=(1, 1), dtype="int16"),
        "maxpool-6x7x5-int16": synth.pool2d(6, 7, 5, k=(2, 3), stride=(2, 1), kind="MAX_POOL_2D", dtype="int16"),
        "pad-1x5x4x3": synth.pad((1, 5, 4, 3), [(1, 0), (1, 2), (0, 1), (2, 0)]),
        "padv2-int16-1x6x5": synth.pad((1, 6, 5), [(0, 0), (3, 0), (1, 1)], "int16", -1234),
        **{f"{name}-{dtype}": g for dtype in ("int8", "int16") for name, g in layer_graphs(dtype).items()},
        **fast_path_graphs(),
    }


def seeds(target: str) -> dict[str, bytes]:
    """The seed files of one firmware fuzz target ('link' or 'loader') by name."""
    if target == "link":
        return {name: seed.data for name, seed in link_seeds().items()}
    from hil.compile.compiler import compile_graph
    from tests.fuzz.slot_seeds import loader_slot_seeds

    slots = {name: image for name, (image, _) in loader_slot_seeds().items()}
    return {name: compile_graph(graph).blob for name, graph in loader_graphs().items()} | slots


TARGETS = ("link", "loader")


def seeds_dir(target: str):
    return firmware_dir() / "fuzz" / "seeds" / target


def stale(target: str) -> list[str]:
    """Seeds of target whose committed file is missing or differs, and committed files no maker makes."""
    made, folder = seeds(target), seeds_dir(target)
    committed = {p.name: p.read_bytes() for p in folder.glob("*")} if folder.is_dir() else {}
    return sorted(n for n in made.keys() | committed.keys() if made.get(n) != committed.get(n))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.fuzz.firmware_seeds", description=__doc__.split("\n")[0])
    p.add_argument("--check", action="store_true", help="exit 1 if a committed seed is not what is made here")
    args = p.parse_args(argv)
    for target in TARGETS:
        folder = seeds_dir(target)
        if args.check:
            if bad := stale(target):
                print(f"firmware seeds {target}: {', '.join(bad)} differ from what is made here (in {folder})")
                return 1
            continue
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*"):
            old.unlink()
        for name, data in seeds(target).items():
            (folder / name).write_bytes(data)
        print(f"firmware seeds {target}: wrote {len(list(folder.glob('*')))} seeds to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
