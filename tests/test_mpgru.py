"""The mixed-precision GRU (hil/mpgru): genomes, bit packing, the numpy reference against the
float GRU, and the HIL_MP_GRU custom op bit for bit against the reference in the simulator
(reference and M4 kernels), the host build and the emulated board; its flatbuffer surgery,
blob sizes and load-time checks.

Kernel cases are seeded synthetic layers (hil/compile/synth_mpgru.py, no TensorFlow); the end-to-end
cases build a Keras sequence model, its single-step export and the custom-op TFLite."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import struct
import zlib

import numpy as np
import pytest

from hil.compile.blob import CRC_START, read_blob
from hil.compile.compiler import compile_graph, compile_tflite
from hil.errors import ConfigError, DeviceError, ModelError
from hil.link.protocol import Status
from hil.compile import synth_mpgru as synth
from hil.mpgru import OPERATORS, from_config, pack, ref, to_config, uniform_genome, unpack
from hil.mpgru.genome import validate
from hil.sim import Simulator

N_IN, H = 27, 22  # odd sizes: every kernel path meets a ragged tail


def random_genome(seed: int) -> tuple[int, ...]:
    return tuple(int(b) for b in np.random.default_rng(seed).integers(2, 9, len(OPERATORS)))


def assert_same(what: str, got: np.ndarray, want: np.ndarray) -> None:
    diff = np.argwhere(got != want)
    assert diff.size == 0, f"{what}: {len(diff)} of {want.size} differ, first at {diff[:3].tolist()}"


# ---------------------------------------------------------------- genome and packing


def test_genome_config_round_trip_and_one_line_errors():
    g = random_genome(3) + random_genome(4)
    config = to_config(g)
    assert len(config) == 2 and list(config[0]) == list(OPERATORS)
    assert from_config(config) == g and from_config(config[0]) == g[: len(OPERATORS)]
    assert uniform_genome(4, layers=2) == (4,) * (2 * len(OPERATORS))
    bad = list(uniform_genome(8))
    bad[0] = 9
    with pytest.raises(ConfigError, match=r"^wanted bits in 2\.\.8 for W_z, got 9$"):
        validate(bad)
    bad = list(uniform_genome(8, layers=2))
    bad[len(OPERATORS) + 17] = 1
    with pytest.raises(ConfigError, match=r"^wanted bits in 2\.\.8 for layer1\.h, got 1$"):
        validate(bad)
    with pytest.raises(ConfigError, match="18 bits per GRU layer, got 17"):
        validate(uniform_genome(8)[:-1])
    with pytest.raises(ConfigError, match="missing|wanted the operators"):
        from_config({"W_z": 8})
    for exc in (pytest.raises(ConfigError),):
        with exc as e:
            uniform_genome(1)
        assert "\n" not in str(e.value)


@pytest.mark.parametrize("bits", range(2, 9))
def test_pack_unpack_round_trip(bits):
    rng = np.random.default_rng(bits)
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    for n in (1, 2, 3, 7, 8, 13, 64, 101):
        v = rng.integers(lo, hi + 1, size=n)
        raw = pack(v, bits)
        assert len(raw) == (n * bits + 7) // 8
        assert_same(f"{bits} bits, n={n}", unpack(raw, bits, n), v)
    rows = rng.integers(lo, hi + 1, size=(5, 11))
    assert_same(f"{bits} bits, rows", unpack(pack(rows, bits), bits, 11, rows=5), rows)
    with pytest.raises(ConfigError, match=f"values in {lo}..{hi}"):
        pack([hi + 1], bits)


def test_packing_is_lsb_first_with_rows_padded_to_a_byte():
    assert pack([1, -1], 4) == bytes([0xF1])
    assert pack([1, 2, -1], 3) == bytes([0b11010001, 0b1])  # bits 0-2: 1, 3-5: 2, 6-8: 7
    assert pack([[1], [-2]], 2) == bytes([0b01, 0b10])  # each row starts on a byte


# ---------------------------------------------------------------- numpy reference


def test_reference_tracks_the_float_gru_and_degrades_with_fewer_bits():
    cell = synth.random_cell(32, 24, seed=5)
    x = synth.random_inputs(32, 16, 40, seed=6)
    ranges, want = synth.calibrate_cell(cell, x)
    errors = {}
    for bits in (8, 6, 4, 3, 2):
        q = synth.quantize_layer(cell, ranges, synth.X_SCALE, synth.X_ZP, to_config(uniform_genome(bits))[0])
        got = ref.dequantize_state(q, ref.run_sequences(q, synth.quantize_x(x)))
        errors[bits] = float(np.abs(got - want).mean())
    # measured: 8 bits 0.008, 6: 0.03, 4: 0.11, 3: 0.2, 2: 0.4 (states lie in -1..1)
    assert errors[8] < 0.02, errors
    assert errors[8] < errors[6] < errors[4] < errors[2], errors
    assert errors[3] < errors[2] * 1.2, errors


def test_reference_is_fast_enough_to_score_many_genomes():
    import time

    q = synth.random_layer(64, 64, uniform_genome(6), seed=0)
    x = synth.quantize_x(synth.random_inputs(64, 32, 100, seed=1))
    start = time.perf_counter()
    states = ref.run_sequences(q, x)
    assert time.perf_counter() - start < 2.0  # 3,200 steps of a 64x64 layer; measured ~0.1 s
    assert states.shape == (32, 100, 64) and np.unique(states).size > 10


# ---------------------------------------------------------------- C kernels


def _run_sim(sim: Simulator, x: np.ndarray, units: int, reference: bool) -> np.ndarray:
    """Sequences x (N, T, N_IN) one step at a time, the state fed back: (N, T, units)."""
    n, t, _ = x.shape
    h = np.zeros((n, 1, units), np.int8)
    out = np.empty((n, t, units), np.int8)
    for i in range(t):
        h = sim.run(x[:, i : i + 1], h, reference=reference)[0].reshape(n, 1, units)
        out[:, i] = h[:, 0]
    return out


@pytest.mark.parametrize("seed", range(6))
def test_simulator_kernels_match_the_reference_bit_for_bit(seed):
    genome = random_genome(seed) if seed else uniform_genome(8)
    q = synth.random_layer(N_IN, H, genome, seed)
    sim = Simulator(compile_graph(synth.mp_graph(q)).blob)
    x = synth.quantize_x(synth.random_inputs(N_IN, 6, 12, seed + 100))
    want = ref.run_sequences(q, x)
    assert np.unique(want).size > 3, "degenerate case: the states barely move"
    for reference in (True, False):
        assert_same(f"genome {genome} ({'reference' if reference else 'M4'})", _run_sim(sim, x, H, reference), want)


# (inputs, units): a partial 16-value step and a leftover row (27, 22); whole steps, two chunks and two leftover
# rows (64, 31); one short step, three chunks (5, 50); rows of a byte or two, most read from the padded copy (3, 29)
SHAPES = [(27, 22), (64, 31), (5, 50), (3, 29)]


@pytest.mark.parametrize("bits", range(2, 9))
def test_m4_kernel_matches_the_reference_at_every_width_and_shape(bits):
    for n_in, units in SHAPES:
        q = synth.random_layer(n_in, units, uniform_genome(bits), seed=bits + n_in)
        sim = Simulator(compile_graph(synth.mp_graph(q)).blob)
        x = synth.quantize_x(synth.random_inputs(n_in, 3, 5, seed=bits))
        assert_same(f"{bits} bits, {n_in}x{units} (M4)", _run_sim(sim, x, units, reference=False),
                    ref.run_sequences(q, x))  # fmt: skip


@pytest.mark.parametrize("seed", range(6, 12))
def test_m4_kernel_matches_the_reference_on_random_genomes_and_shapes(seed):
    n_in, units = SHAPES[seed % len(SHAPES)]
    q = synth.random_layer(n_in, units, random_genome(seed), seed)
    sim = Simulator(compile_graph(synth.mp_graph(q)).blob)
    x = synth.quantize_x(synth.random_inputs(n_in, 3, 5, seed + 100))
    assert_same(f"genome {random_genome(seed)}, {n_in}x{units}", _run_sim(sim, x, units, reference=False),
                ref.run_sequences(q, x))  # fmt: skip


def _small_multiplier(blob: bytes) -> bytes:
    """The blob with x_z's multiplier below 2^30 (legal, though TFLite never makes one): the M4 kernel's
    element-wise chain then takes its general path."""
    mult = read_blob(blob).ops[0].params_offset + 16 + 20
    return _patch(blob, mult, "<i", (1 << 29) + 12345)


def test_m4_kernel_general_path_matches_the_reference_kernel():
    q = synth.random_layer(N_IN, H, random_genome(13), 13)
    sim = Simulator(_small_multiplier(compile_graph(synth.mp_graph(q)).blob))
    x = synth.quantize_x(synth.random_inputs(N_IN, 3, 5, 14))
    assert_same("general path", _run_sim(sim, x, H, reference=False), _run_sim(sim, x, H, reference=True))


def test_batched_op_matches_the_reference():
    q = synth.random_layer(N_IN, H, random_genome(11), 11)
    sim = Simulator(compile_graph(synth.mp_graph(q, batch=3)).blob)
    rng = np.random.default_rng(12)
    x = rng.integers(-128, 128, size=(5, 3, N_IN), dtype=np.int8)
    h = rng.integers(-(1 << (q.bits["h"] - 1)), 1 << (q.bits["h"] - 1), size=(5, 3, H)).astype(np.int8)
    want = ref.step(q, x.reshape(-1, N_IN), h.reshape(-1, H)).reshape(5, 3, H)
    for reference in (True, False):
        assert_same("batch of 3", sim.run(x, h, reference=reference)[0].reshape(5, 3, H), want)


def test_board_matches_the_reference(session):
    """host build and emulated NUCLEO: reference and M4 kernels, three steps with the state fed back, at every
    width (the M4 instructions themselves on the emulator) and on random genomes and shapes."""
    cases = [(b, uniform_genome(b), N_IN, H) for b in range(2, 9)]
    cases += [(20 + i, random_genome(21 + i), *SHAPES[i]) for i in range(len(SHAPES))]
    for seed, genome, n_in, units in cases:
        q = synth.random_layer(n_in, units, genome, seed)
        session.upload_model(compile_graph(synth.mp_graph(q)).blob)
        x = synth.quantize_x(synth.random_inputs(n_in, 1, 3, seed))
        want = ref.run_sequences(q, x)[0]
        for reference in (True, False):
            h = np.zeros(units, np.int8)
            for t in range(3):
                _, out = session.invoke(x[0, t].tobytes() + h.tobytes(), reference=reference)
                h = np.frombuffer(out, np.int8)
                assert_same(f"{genome} {n_in}x{units} step {t} ({'reference' if reference else 'M4'})", h, want[t])


def test_board_general_path_matches_the_reference_kernel(session):
    q = synth.random_layer(N_IN, H, random_genome(13), 13)
    session.upload_model(_small_multiplier(compile_graph(synth.mp_graph(q)).blob))
    x = synth.quantize_x(synth.random_inputs(N_IN, 1, 1, 14))[0, 0].tobytes() + bytes(range(H))
    assert session.invoke(x, reference=False)[1] == session.invoke(x, reference=True)[1]


# ---------------------------------------------------------------- sizes and checks


def _weight_bytes(blob: bytes) -> int:
    return sum(t.nbytes for t in read_blob(blob).tensors if t.dtype == "uint8")


def test_blob_shrinks_with_fewer_bits():
    sizes = {b: compile_graph(synth.mp_graph(synth.random_layer(64, 64, uniform_genome(b)))) for b in (8, 6, 4, 2)}
    weights = {b: _weight_bytes(cm.blob) for b, cm in sizes.items()}
    assert weights[8] == 6 * 64 * 64 + 4 * 64  # six matrices and four bias vectors, one byte a value
    assert weights[4] == weights[8] // 2 and weights[2] == weights[8] // 4
    assert weights[6] == weights[8] * 6 // 8
    total = {b: cm.model_bytes for b, cm in sizes.items()}
    assert total[8] > total[6] > total[4] > total[2]
    assert total[4] < 0.55 * total[8], total


def _mp_op(q):
    graph = synth.mp_graph(q)
    return graph, graph.ops[0]


@pytest.mark.parametrize("what", ["garbage", "bits", "missing", "lut", "mult", "packed"])
def test_compiler_rejects_malformed_custom_options_in_one_line(what):
    from flatbuffers import flexbuffers

    q = synth.random_layer(8, 6, uniform_genome(4))
    graph, op = _mp_op(q)
    opts = flexbuffers.Loads(bytearray(op.custom_options))
    if what == "garbage":
        op.custom_options = b"\x01\x02\x03"
    elif what == "bits":
        opts["bits"][0] = 9
    elif what == "missing":
        del opts["mult"]
    elif what == "lut":
        opts["lut_z"] = bytes(3)
    elif what == "mult":
        opts["shift"][4] = 40
    else:
        graph.tensors[op.inputs[2]].data = graph.tensors[op.inputs[2]].data[:-1]
    if what != "garbage":
        op.custom_options = bytes(flexbuffers.Dumps(opts))
    with pytest.raises(ModelError) as exc:
        compile_graph(graph)
    msg = str(exc.value)
    assert "\n" not in msg and "HIL_MP_GRU" in msg, msg
    if what == "bits":
        assert msg.endswith("wanted bits in 2..8 for W_z, got 9"), msg


def _patch(blob: bytes, offset: int, fmt: str, value) -> bytes:
    b = bytearray(blob)
    struct.pack_into(fmt, b, offset, value)
    struct.pack_into("<I", b, 12, zlib.crc32(b[CRC_START:]))
    return bytes(b)


@pytest.mark.parametrize("what", ["bits", "shift", "in_dim", "lut_value", "lut_offset"])
def test_loader_rejects_bad_parameters_with_bad_model(what):
    q = synth.random_layer(8, 6, uniform_genome(4))
    blob = compile_graph(synth.mp_graph(q)).blob
    op = read_blob(blob).ops[0]
    base = op.params_offset
    lut_z = struct.unpack_from("<I", blob, base + 16 + 20 + 2 * 17 * 4)[0]
    patch = {"bits": (base + 16, "<B", 9), "shift": (base + 16 + 20 + 17 * 4, "<i", 31),
             "in_dim": (base, "<i", 9), "lut_value": (lut_z, "<B", 16),
             "lut_offset": (base + 16 + 20 + 2 * 17 * 4, "<I", lut_z + 2)}[what]  # fmt: skip
    Simulator(blob)  # the unpatched blob loads
    with pytest.raises(DeviceError) as exc:
        Simulator(_patch(blob, *patch))
    assert exc.value.status == Status.BAD_MODEL, what


# ---------------------------------------------------------------- TFLite surgery, end to end


def _sequence_model(pre_dense: bool, features: int, units: int, seed: int):
    import keras

    keras.utils.set_random_seed(seed)
    inp = keras.Input((None, features))
    x = keras.layers.Dense(16, activation="relu")(inp) if pre_dense else inp
    h = keras.layers.GRU(units, return_sequences=True, bias_initializer="random_normal")(x)
    return keras.Model(inp, keras.layers.Dense(6, activation="sigmoid")(h))


@pytest.fixture(scope="module")
def builders():
    from hil.convert.streaming import gru_step_model
    from hil.convert.mpgru_build import MpBuilder

    out = {}
    for name, pre in (("pre_dense", True), ("direct", False)):
        seqs = np.random.default_rng(1).normal(size=(12, 25, 20)).astype(np.float32)
        out[name] = (MpBuilder(gru_step_model(_sequence_model(pre, 20, 14, seed=3)), seqs), seqs)
    return out


def test_surgery_replaces_the_cell_with_one_custom_op(builders):
    from hil.compile.tflite import read_tflite

    b, _ = builders["pre_dense"]
    data = b.tflite(uniform_genome(4))
    assert data[4:8] == b"TFL3"
    g = read_tflite(data)
    assert [op.name for op in g.ops] == ["FULLY_CONNECTED", "HIL_MP_GRU", "FULLY_CONNECTED", "LOGISTIC"]
    mp = g.ops[1]
    state, state_out = g.tensors[mp.inputs[1]], g.tensors[mp.outputs[0]]
    assert state.index in g.inputs and state_out.index in g.outputs
    assert state.scale[0] == state_out.scale[0] and state.zero_point[0] == state_out.zero_point[0] == 0
    used = {t for op in g.ops for t in op.inputs + op.outputs if t >= 0} | set(g.inputs) | set(g.outputs)
    assert used == set(range(len(g.tensors))), "unused tensors were left in"
    assert len(data) < len(b.int8_tflite)


def test_custom_op_tflite_compiles_and_runs_bit_exact_with_the_reference(builders):
    b, seqs = builders["direct"]
    for genome in (uniform_genome(8), random_genome(7)):
        (q,) = b.layers(genome)
        cm = compile_tflite(b.tflite(genome))
        assert [o["op"] for o in cm.ops] == ["HIL_MP_GRU", "FULLY_CONNECTED", "LOGISTIC"]
        names = [i.name for i in cm.inputs]
        feat = cm.inputs[["features" in n for n in names].index(True)]
        xq = np.clip(np.round(seqs / feat.scale) + feat.zero_point, -128, 127).astype(np.int8)
        assert (feat.scale, feat.zero_point) == pytest.approx((q.x_scale, q.x_zp))
        want = ref.run_sequences(q, xq)
        sim = Simulator(cm.blob)
        state_first = "state" in names[0]
        h = np.zeros((len(seqs), 1, q.units), np.int8)
        for t in range(seqs.shape[1]):
            args = (h, xq[:, t : t + 1]) if state_first else (xq[:, t : t + 1], h)
            outs = sim.run(*args)
            h = next(o for o in outs if o.shape[-1] == q.units).reshape(len(seqs), 1, q.units)
            assert_same(f"{genome} step {t}", h[:, 0], want[:, t])
        err = np.abs(ref.dequantize_state(q, want) - b.calibration.states[0]).mean()
        assert err < (0.03 if genome == uniform_genome(8) else 0.5), err
