"""The compiler: arena planning, blob layout and validation, budgets, `hil compile`."""

import itertools
import json
import random
import struct
import zlib

import numpy as np
import pytest

from hil import cli
from hil.compile import planner
from hil.compile.blob import read_blob
from hil.compile.compiler import compile_graph
from hil.errors import BudgetError, DeviceError, ModelError
from hil.link.protocol import Status
from hil.sim import Simulator, load_blob
from hil.targets.limits import ModelLimits, check_fits
from tests.graphs import mlp_graph, mlp_model


def _overlaps(a, b):
    return a.first_op <= b.last_op and b.first_op <= a.last_op


@pytest.mark.parametrize("seed", range(20))
def test_planner_never_overlaps_live_buffers(seed):
    rng = random.Random(seed)
    bufs = []
    for key in range(rng.randrange(2, 30)):
        first = rng.randrange(-1, 15)
        bufs.append(planner.Buffer(key, rng.randrange(1, 5000), first, rng.randrange(first, 17)))
    offsets, arena = planner.plan(bufs)
    for a, b in itertools.combinations(bufs, 2):
        if _overlaps(a, b):
            ra, rb = range(offsets[a.key], offsets[a.key] + a.size), range(offsets[b.key], offsets[b.key] + b.size)
            assert not set(ra) & set(rb), (a, b)
    assert all(o % planner.ALIGN_BYTES == 0 for o in offsets.values())
    # Never worse than keeping every buffer alive at once, never better than the busiest moment.
    peak = max(sum(b.size for b in bufs if b.first_op <= t <= b.last_op) for t in range(-1, 17))
    assert peak <= arena <= sum(-(-b.size // 8) * 8 for b in bufs)


def test_planner_reuses_memory_of_dead_tensors():
    chain = [planner.Buffer(i, 1000, i - 1, i) for i in range(10)]  # each lives for two ops
    assert planner.plan(chain)[1] == 2000


def test_blob_round_trip_and_io():
    model = mlp_model((40, 64, 10))
    info = read_blob(model.blob)
    assert info.header["total_bytes"] == model.model_bytes
    assert [info.tensors[i].shape for i in info.inputs] == [(1, 40)]
    assert [info.tensors[i].shape for i in info.outputs] == [(1, 10)]
    assert info.macs == [40 * 64, 64 * 10]
    # op 0: input 40 + hidden 64 + the fast FC's sign-extended input (2 x 40) = 184;
    # op 1: hidden 64 + output 10 (in the input's old place) + scratch 128, 8-aligned = 208
    assert model.arena_bytes == 208 + model.state_bytes  # and the two ops' state after the activations


def _fix_crc(blob: bytearray) -> bytes:
    struct.pack_into("<I", blob, 12, zlib.crc32(bytes(blob[16:])))
    return bytes(blob)


def _corruptions(blob: bytes):
    h = read_blob(blob).header
    t0, op0 = h["tensors_offset"], h["ops_offset"]
    yield "truncated", blob[:-9]
    yield "bad CRC", blob[:-1] + bytes([blob[-1] ^ 1])
    b = bytearray(blob); struct.pack_into("<H", b, 4, 9); yield "wrong version", _fix_crc(b)  # noqa: E702
    b = bytearray(blob); struct.pack_into("<I", b, 0, 0x1234); yield "bad magic", _fix_crc(b)  # noqa: E702
    b = bytearray(blob); struct.pack_into("<I", b, t0 + 20, 10**6); yield "tensor outside arena", _fix_crc(b)  # noqa: E702
    b = bytearray(blob); b[t0] = 99; yield "unknown dtype", _fix_crc(b)  # noqa: E702
    b = bytearray(blob); b[op0] = 63; yield "unknown op", _fix_crc(b)  # noqa: E702
    b = bytearray(blob); struct.pack_into("<I", b, op0 + 4, len(blob) + 8); yield "io list outside", _fix_crc(b)  # noqa: E702
    b = bytearray(blob); struct.pack_into("<I", b, op0 + 12, 4); yield "short params", _fix_crc(b)  # noqa: E702
    b = bytearray(blob); struct.pack_into("<I", b, 20, 10**8); yield "arena too big", _fix_crc(b)  # noqa: E702
    io = h["inputs_offset"]
    b = bytearray(blob); struct.pack_into("<H", b, io, 500); yield "input index", _fix_crc(b)  # noqa: E702
    params = read_blob(blob).ops[0].params_offset
    b = bytearray(blob); struct.pack_into("<I", b, params + 16, len(blob) * 2); yield "multiplier offset", _fix_crc(b)  # noqa: E702


BAD_LOAD = (Status.BAD_MODEL, Status.VERSION, Status.NO_SPACE, Status.UNSUPPORTED)


@pytest.mark.parametrize("name", [n for n, _ in _corruptions(mlp_model().blob)])
def test_simulator_rejects_malformed_blob(name):
    blob = dict(_corruptions(mlp_model().blob))[name]
    with pytest.raises(DeviceError) as err:
        load_blob(blob)
    assert err.value.status in BAD_LOAD


def test_board_rejects_malformed_blobs_and_keeps_answering(session):
    good = mlp_model()
    for name, blob in _corruptions(good.blob):
        with pytest.raises(DeviceError) as err:
            session.upload_model(blob)
        assert err.value.status in BAD_LOAD, name
        assert session.echo(b"alive") == b"alive"
    session.upload_model(good.blob)
    x = np.arange(40, dtype=np.int8)
    assert session.invoke(x.tobytes())[1] == Simulator(good.blob).run(x[None, None])[0].tobytes()


def test_fuzzed_blobs_never_crash_the_loader():
    """Damaged blobs (CRC fixed up, so the structure checks must catch them) never crash the loader,
    and whatever it accepts still runs."""
    good = mlp_model()
    blob, rng, rejected = good.blob, random.Random(5), 0
    x = np.zeros((1, 40), dtype=np.uint8)
    for _ in range(500):
        b = bytearray(blob)
        for _ in range(rng.randrange(1, 6)):
            b[rng.randrange(16, len(b))] = rng.randrange(256)
        try:
            load_blob(_fix_crc(b))
        except DeviceError:
            rejected += 1
            continue
        sim = Simulator.__new__(Simulator)
        sim.blob, sim.in_bytes, sim.out_bytes = bytes(b), 40, 10
        try:
            sim.run_raw(x)
        except (DeviceError, ValueError):
            pass
    assert rejected > 0  # memory safety of the same loader is checked under ASan by fuzz_loader (test_fuzz.py)


def test_unsupported_op_is_one_line_naming_op_and_node():
    g = mlp_graph()
    g.ops[1].name = "BATCH_MATMUL"
    with pytest.raises(ModelError, match=r"node 1 \(BATCH_MATMUL\): operator BATCH_MATMUL is not supported"):
        compile_graph(g)


def test_float_weights_are_refused_with_what_was_wanted():
    g = mlp_graph()
    w = g.tensors[1]
    w.dtype, w.data = "float32", w.data.astype(np.float32)
    with pytest.raises(ModelError, match=r"node 0 \(FULLY_CONNECTED\): tensor 'w0' is float32; the runtime takes int8"):
        compile_graph(g)


def test_budget_names_both_figures():
    no_slot = ModelLimits("esp32-devkitc", model_ram_bytes=10_000, slot_bytes=0)
    with pytest.raises(BudgetError, match=r"model needs 12,104 B of RAM \(blob 12,000 B \+ arena 104 B\); "
                                          r"esp32-devkitc has 10,000 B for models and no flash slot"):  # fmt: skip
        check_fits(12_000, 104, no_slot)
    limits = ModelLimits("qemu-f446", model_ram_bytes=10_000, slot_bytes=500_000)
    with pytest.raises(BudgetError, match=r"model needs 600,104 B of RAM \(blob 600,000 B \+ arena 104 B\) or "
                                          r"600,016 B of flash; qemu-f446 has 10,000 B for models and a 500,000 B "
                                          r"flash slot"):  # fmt: skip
        check_fits(600_000, 104, limits)
    with pytest.raises(BudgetError, match=r"needs 10,001 B of RAM for its arena even with its weights in flash"):
        check_fits(1_000, 10_001, limits)


def test_placement_is_ram_when_blob_and_arena_fit_there_else_the_flash_slot():
    limits = ModelLimits("qemu-f446", model_ram_bytes=10_000, slot_bytes=500_000)
    assert check_fits(9_000, 1_000, limits) == {"placement": "ram", "ram_needed_bytes": 10_000,
                                                "model_ram_bytes": 10_000, "flash_needed_bytes": 0,
                                                "slot_bytes": 500_000}  # fmt: skip
    assert check_fits(9_001, 1_000, limits) == {"placement": "flash", "ram_needed_bytes": 1_000,
                                                "model_ram_bytes": 10_000, "flash_needed_bytes": 9_017,
                                                "slot_bytes": 500_000}  # fmt: skip


@pytest.mark.parametrize("board, where", [("qemu-f446", "flash"), ("host", "ram")])
def test_compile_cli_places_the_307_kb_autoencoder(tmp_path, capsys, board, where):
    """The F446 holds it only in its flash slot (sectors 5-7), the host build in RAM; the table says so."""
    from hil.bench import gallery

    src = tmp_path / "fc-ae-ad.tflite"
    src.write_bytes(gallery.tflite("fc-ae-ad"))
    assert cli.main(["compile", str(src), "--out", str(tmp_path / "m.hilm"), "--board", board, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["placement"] == where and report["model_bytes"] > report["model_ram_bytes"] / 4
    if where == "flash":
        assert report["flash_needed_bytes"] == report["model_bytes"] + 16 <= report["slot_bytes"] == 384 * 1024
        assert report["ram_needed_bytes"] == report["arena_bytes"] < report["model_bytes"] < 320_000
    assert cli.main(["compile", str(src), "--out", str(tmp_path / "m.hilm"), "--board", board]) == 0
    assert f"lives in {where}" in " ".join(capsys.readouterr().out.split())


def test_compile_cli_writes_blob_and_reports(tmp_path, capsys, fc_tflite):
    out = tmp_path / "m.hilm"
    assert cli.main(["compile", str(fc_tflite), "--out", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert out.read_bytes()[:4] == b"HILM" and report["model_bytes"] == out.stat().st_size
    assert report["board"] == "qemu-f446" and report["arena_bytes"] > 0
    assert report["ram_needed_bytes"] <= report["model_ram_bytes"] and report["placement"] == "ram"
    assert [o["op"] for o in report["ops"]] == ["FULLY_CONNECTED", "FULLY_CONNECTED"]


def test_compile_cli_errors_are_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"\x00" * 64)
    assert cli.main(["compile", str(bad), "--out", str(tmp_path / "x.hilm")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "is not a TFLite flatbuffer (wanted identifier 'TFL3'" in err
    assert cli.main(["compile", str(tmp_path / "missing.tflite"), "--out", str(tmp_path / "x.hilm")]) == 1
    assert "cannot read model" in capsys.readouterr().err


def test_encoders_load_once_for_concurrent_compiles():
    """A search compiles candidates on several threads at once; the first compiles of a process must not
    see a half-filled encoder registry (that refused FULLY_CONNECTED once)."""
    import subprocess
    import sys

    code = (
        "import threading\n"
        "from hil.compile.compiler import compile_graph\n"
        "from hil.compile.synth import mlp\n"
        "errors = []\n"
        "def go(seed):\n"
        "    try: compile_graph(mlp(seed=seed))\n"
        "    except Exception as e: errors.append(e)\n"
        "ts = [threading.Thread(target=go, args=(i,)) for i in range(8)]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
        "assert not errors, errors\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
