"""Bounded libFuzzer runs of the firmware's frame receiver and dispatcher and of its model loader, from the
committed seeds (firmware/fuzz/seeds/, made by tests/fuzz/firmware_seeds.py), and the seeds themselves:
each one reaches on the fuzz harness the state it is made for.

The same targets run for longer by hand: `make fuzz-long` (FUZZ_SECONDS=600)."""

import os
import re
import shutil
import struct
import subprocess

import numpy as np
import pytest

from hil.link.protocol import MAX_PAYLOAD, Cmd, Status
from hil.paths import firmware_dir
from hil.targets import firmware
from tests.fuzz import firmware_seeds
from tests.fuzz.firmware_seeds import Request, link_seeds, seeds_dir, structured, upload
from tests.fuzz.slot_seeds import loader_slot_seeds
from tests.fuzz.stream_seeds import stream_config, stream_model

RUNS = 50_000  # a brief run on every test run; `make fuzz-long` runs for minutes
LINK_SEEDS = link_seeds()
LOADER_SEEDS = sorted(firmware_seeds.loader_graphs())
SLOT_SEEDS = loader_slot_seeds()


@pytest.fixture(scope="module")
def fuzzer():
    return firmware.build("fuzz")


@pytest.fixture(scope="module")
def loader_fuzzer():
    return firmware.build("fuzz_loader")


@pytest.fixture
def corpus(tmp_path):
    """A working corpus holding the committed link seeds: the fuzzer writes here, never into the seeds."""
    shutil.copytree(seeds_dir("link"), tmp_path, dirs_exist_ok=True)
    return tmp_path


def _run(fuzzer, *args, env=None, artifacts=None):
    """Run a fuzzer; crash reproducers go to `artifacts` (a temp dir), never the checkout."""
    prefix = [f"-artifact_prefix={artifacts}/"] if artifacts else []
    return subprocess.run([str(fuzzer), *prefix, *map(str, args)], capture_output=True, text=True, timeout=600,
                          env=env)  # fmt: skip


def _trace(fuzzer, seed, artifacts) -> list[dict]:
    """One seed through a harness with HIL_FUZZ_TRACE=1: its trace lines as {"event": ..., field: value}."""
    proc = _run(fuzzer, "-detect_leaks=0", seed, env=dict(os.environ, HIL_FUZZ_TRACE="1"), artifacts=artifacts)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [{"event": line.split()[0], **dict(re.findall(r"(\w+)=(\S*)", line))} for line in proc.stdout.splitlines()]


def _replies(trace: list[dict], wanted) -> list[tuple]:
    """The trace's replies, told as precisely as `wanted` (firmware_seeds.Reply) tells what is meant."""
    got = [line for line in trace if line["event"] == "reply"]
    out = []
    for line, want in zip(got, wanted):
        head = bytes.fromhex(line["head"])[: len(want.head)]
        length = int(line["len"]) if want.length is not None else None
        out.append((line["type"], Status.describe(int(line["status"])), head.hex(), length))
    return out + [("unmeant reply", line["type"]) for line in got[len(wanted) :]]


def test_committed_seeds_are_what_the_generator_makes():
    for target in firmware_seeds.TARGETS:
        assert firmware_seeds.stale(target) == [], "run `python -m tests.fuzz.firmware_seeds` and commit the seeds"


@pytest.mark.parametrize("name", sorted(LINK_SEEDS))
def test_link_seed_reaches_its_state_on_the_harness(fuzzer, name, tmp_path):
    """Every request of the seed is sent as one request (no payload cut at the frame limit) and gets the reply
    the seed is made for: OK, or the error status it means to reach."""
    seed = LINK_SEEDS[name]
    trace = _trace(fuzzer, seeds_dir("link") / name, tmp_path)
    assert sum(line["event"] == "request" for line in trace) == seed.requests
    wanted = [(f"0x{r.type:02x}", Status.describe(r.status), r.head.hex(), r.length) for r in seed.replies]
    assert _replies(trace, seed.replies) == wanted


def test_stream_seed_streams_on_the_harness(fuzzer, tmp_path):
    """The stream seed's 5,016-byte model goes up in two chunks, loads, a stream begins and its hops are answered
    (it once put the blob in one 5,020-byte MODEL_CHUNK, which the harness cut at 4,096 bytes)."""
    trace = _trace(fuzzer, seeds_dir("link") / "stream", tmp_path)
    ok = [(int(r["type"], 16) & 0x7F, r) for r in trace if r["event"] == "reply" and r["status"] == str(Status.OK)]
    assert [cmd for cmd, _ in ok][:4] == [Cmd.MODEL_BEGIN, Cmd.MODEL_CHUNK, Cmd.MODEL_CHUNK, Cmd.MODEL_END]
    assert any(cmd == Cmd.MODEL_INFO and r["head"].startswith("02") for cmd, r in ok)  # 2: loaded
    assert any(cmd == Cmd.STREAM_BEGIN for cmd, _ in ok)
    assert any(cmd == Cmd.STREAM_HOPS and r["len"] == "680" for cmd, r in ok)  # 2 hops of 340 B


def test_chain_seed_streams_512_point_chains_on_the_harness(fuzzer, tmp_path):
    """The stream-512 seed begins a 512/256 power-law stream and a 512/128 one, and both answer their hops with
    the hop's samples (256: 532 B a hop, 128: 276 B)."""
    trace = _trace(fuzzer, seeds_dir("link") / "stream-512", tmp_path)
    ok = [(int(r["type"], 16) & 0x7F, r) for r in trace if r["event"] == "reply" and r["status"] == str(Status.OK)]
    assert [r["head"][:4] for cmd, r in ok if cmd == Cmd.STREAM_BEGIN] == ["0700", "0e00"]  # 7 and 14 hops a request
    assert [r["len"] for cmd, r in ok if cmd == Cmd.STREAM_HOPS] == [str(2 * 532), str(3 * 276)]


def test_tensor_seed_stages_runs_and_reads_the_simulators_outputs_on_the_harness(fuzzer, tmp_path):
    """The tensor seed's inputs go up in three INPUT_WRITEs, run staged, and its OUTPUT_READs return the bytes
    the simulator computes for them (optimized kernels, then reference kernels with the outputs in the reply)."""
    from hil.sim import Simulator

    model = firmware_seeds.tensor_model()
    row = np.frombuffer(firmware_seeds.TENSOR_ROW, np.int8)
    want = Simulator(model.blob).run(row[None, None])[0].tobytes()
    trace = _trace(fuzzer, seeds_dir("link") / "tensors", tmp_path)
    ok = [r for r in trace if r["event"] == "reply" and r["status"] == str(Status.OK)]
    writes = [r["head"] for r in ok if int(r["type"], 16) & 0x7F == Cmd.INPUT_WRITE]
    assert writes == [struct.pack("<I", n).hex() for n in (8, 16, 24, 24)]
    reads = [bytes.fromhex(r["head"]) for r in ok if int(r["type"], 16) & 0x7F == Cmd.OUTPUT_READ]
    assert reads == [want[:8], want[8:], want[:8]]
    staged = [r for r in ok if int(r["type"], 16) & 0x7F == Cmd.INVOKE_STAGED]
    assert [r["len"] for r in staged] == ["4", "20"] and bytes.fromhex(staged[1]["head"]) == bytes(4) + want[:4]


@pytest.mark.parametrize("name", LOADER_SEEDS)
def test_loader_seed_loads_and_runs_on_the_harness(loader_fuzzer, name, tmp_path):
    trace = _trace(loader_fuzzer, seeds_dir("loader") / name, tmp_path)
    assert [line["event"] for line in trace] == ["load", "invoke"]
    assert trace[0]["status"] == trace[1]["status"] == str(Status.OK)
    assert int(trace[1]["input"]) > 0 and int(trace[1]["output"]) > 0


@pytest.mark.parametrize("name", sorted(SLOT_SEEDS))
def test_loader_slot_seed_takes_the_slot_path_to_its_state(loader_fuzzer, name, tmp_path):
    """A seed that starts with the slot's magic goes through the slot header's check, then the loader."""
    trace = _trace(loader_fuzzer, seeds_dir("loader") / name, tmp_path)
    wanted = SLOT_SEEDS[name][1]
    assert [(line["event"], int(line["status"])) for line in trace[: len(wanted)]] == wanted
    ran = wanted[-1] == ("load", Status.OK)
    assert [line["event"] for line in trace[len(wanted) :]] == (["invoke"] if ran else [])


def test_seed_requests_never_pass_one_frame():
    with pytest.raises(ValueError, match="a frame carries 4096 B"):
        structured(Request(Cmd.MODEL_CHUNK, bytes(4 + 5016)))
    blob = bytes(range(256)) * 20
    chunks = [r for r in upload(blob) if r.cmd == Cmd.MODEL_CHUNK]
    assert len(chunks) == 2 and all(len(r.payload) <= MAX_PAYLOAD for r in chunks)
    assert b"".join(r.payload[4:] for r in chunks) == blob


def test_frame_parser_fuzz_run_finds_nothing(fuzzer, corpus):
    proc = _run(fuzzer, f"-runs={RUNS}", "-seed=1", "-max_len=9000", corpus, artifacts=corpus)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"Done {RUNS} runs" in proc.stderr


def test_seeds_replay_cleanly(fuzzer, corpus):
    proc = _run(fuzzer, *sorted(corpus.iterdir()))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr.count("Executed") == len(LINK_SEEDS)


def test_reply_check_catches_a_broken_reply(fuzzer, corpus):
    """The harness's oracle (every reply must be a valid frame) can fail: break replies, expect an abort."""
    env = dict(os.environ, HIL_FUZZ_BREAK_REPLIES="1")
    proc = _run(fuzzer, corpus / "echo", env=env, artifacts=corpus)
    assert proc.returncode != 0
    assert "deadly signal" in proc.stderr or "ABRT" in proc.stderr.upper()


def test_model_loader_fuzz_run_finds_nothing(loader_fuzzer, tmp_path):
    """Mutated .hilm blobs (CRC fixed up) through the loader and interpreter under ASan."""
    corpus = shutil.copytree(seeds_dir("loader"), tmp_path / "corpus")
    proc = _run(loader_fuzzer, "-runs=40000", "-seed=1", "-max_len=65536", corpus, artifacts=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Done 40000 runs" in proc.stderr


def test_fuzz_long_starts_from_the_committed_seeds(fuzzer, loader_fuzzer, tmp_path):
    """`make fuzz-long` copies each target's seeds into its working corpus and never writes into the seeds.
    The run's libFuzzer seed is fixed, so this test checks the corpus handling and never fails on a new
    input found by chance (the fixed-run tests above and `make fuzz-long` look for those)."""
    before = {p: p.read_bytes() for t in firmware_seeds.TARGETS for p in seeds_dir(t).iterdir()}
    proc = subprocess.run(["make", "-C", str(firmware_dir()), "fuzz-long", "FUZZ_SECONDS=1", "FUZZ_SEED=1",
                           f"FUZZ_CORPUS={tmp_path}"],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    for folder, names in (("corpus", LINK_SEEDS), ("corpus-loader", LOADER_SEEDS + sorted(SLOT_SEEDS))):
        assert set(names) <= {p.name for p in (tmp_path / folder).iterdir()}
        assert f"seed corpus: files: {len(names)} " in proc.stderr
    assert {p: p.read_bytes() for t in firmware_seeds.TARGETS for p in seeds_dir(t).iterdir()} == before


def test_stream_seed_reaches_a_running_stream():
    """The seed's model and config are accepted (checked in the simulator), so mutations start from a live stream."""
    from hil.sim import load_blob, stream_command

    model = stream_model()
    assert len(model.blob) + model.arena_bytes < firmware_seeds.HARNESS_MODEL_REGION_BYTES
    load_blob(model.blob)
    status, _ = stream_command("begin", stream_config(model))
    assert status == Status.OK
    status, reply = stream_command("hops", (np.arange(320, dtype=np.int16) * 97).tobytes())
    assert status == Status.OK and len(reply) == 2 * 340
    assert struct.unpack("<H", stream_command("begin", stream_config(model, flags=1))[1]) == (12,)
