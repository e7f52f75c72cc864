"""The optimised int8 ADD, SUB and MUL (firmware/src/kernels/{add,sub,mul}_s8_m4.c): TFLM's arithmetic rearranged
around SMMLAR, bit for bit with the reference kernels. On the simulator (the kernels' plain C): every pair of int8
inputs under random quantisations and fused activations, and every kind of row the broadcast walk can give; on the
emulated board (the M4 instructions and the assembly loop) the same comparison on random pairs. Against TFLM:
tests/test_ops_elementwise.py."""

import struct
import zlib

import numpy as np
import pytest

from hil.compile import synth
from hil.compile.blob import CRC_START, read_blob
from hil.compile.compiler import compile_graph
from hil.sim import Simulator

ACTIVATIONS = (0, 1, 2, 3)  # none, RELU, RELU_N1_TO_1, RELU6


def quantised(name: str, a_shape, b_shape, seed: int):
    """synth.binary under a seeded random quantisation: equal input scales every fourth seed (both inputs
    halved), either input the larger otherwise, any zero points, a fused activation; MUL's output scale now
    above, now below the product's."""
    rng = np.random.default_rng(seed)
    g = synth.binary(name, a_shape, b_shape, seed=seed)
    a, b, out = (g.tensors[i] for i in (*g.inputs, g.outputs[0]))
    a.scale[:] = np.exp(rng.uniform(np.log(1e-3), np.log(0.5)))
    b.scale[:] = a.scale if seed % 4 == 0 else np.exp(rng.uniform(np.log(1e-3), np.log(0.5)))
    out.scale[:] = max(a.scale[0], b.scale[0]) * np.exp(rng.uniform(np.log(0.3), np.log(4.0)))
    if name == "MUL":  # a product scale below the output's (a right shift), or above it (seed % 3 == 0: left)
        ratio = rng.uniform(1.1, 3.5) if seed % 3 == 0 else np.exp(rng.uniform(np.log(2e-3), np.log(0.45)))
        out.scale[:] = a.scale[0] * b.scale[0] / ratio
    for t in (a, b, out):
        t.zero_point[:] = rng.integers(-128, 128)
    g.ops[0].options.fusedActivationFunction = ACTIVATIONS[seed % 4]
    return g


def both_paths(blob: bytes, xs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    sim = Simulator(blob)
    assert sim.optimised_ops() == [True], "the record is one TFLite makes: the optimised kernel takes it"
    return tuple(sim.run(*xs, reference=r)[0] for r in (False, True))


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("name", ["ADD", "SUB", "MUL"])
def test_every_pair_of_inputs_equals_the_reference_kernel(name, seed):
    x = np.arange(-128, 128, dtype=np.int8)
    xs = [np.tile(x, 256).reshape(1, 1, -1), np.repeat(x, 256).reshape(1, 1, -1)]
    opt, ref = both_paths(compile_graph(quantised(name, (1, 65536), (1, 65536), seed)).blob, xs)
    bad = np.flatnonzero(opt != ref)
    assert bad.size == 0, f"{bad.size} pairs differ; first (x1, x2) = {(xs[0].ravel()[bad[0]], xs[1].ravel()[bad[0]])}"


SHAPES = {
    "per-channel": ((1, 6, 16), (16,)),
    "channel-first": ((16,), (1, 6, 16)),
    "scalar": ((1, 37), (1,)),
    "scalar-first": ((1,), (3, 9)),
    "column": ((5, 1), (5, 7)),
    "outer": ((4, 1), (1, 6)),
    "one-element": ((1, 1), (1, 1)),
    "4-d": ((2, 1, 3, 4), (1, 5, 1, 4)),
}


@pytest.mark.parametrize("shapes", SHAPES, ids=list(SHAPES))
@pytest.mark.parametrize("name", ["ADD", "SUB", "MUL"])
def test_broadcasts_equal_the_reference_kernel(name, shapes):
    """Rows that step through both inputs, rows along which one input stays put, single elements."""
    rng = np.random.default_rng(len(shapes))
    for seed in range(6):
        model = compile_graph(quantised(name, *SHAPES[shapes], seed))
        xs = [rng.integers(-128, 128, (8, *spec.shape), dtype=np.int8) for spec in model.inputs]
        opt, ref = both_paths(model.blob, xs)
        assert np.array_equal(opt, ref), (shapes, seed)


def _walk_with_stride_2(blob: bytes) -> bytes:
    """Rewrite a (1, 8) + (1, 8) op's walk as 2 rows of 4 elements stepping by 2 (a walk the compiler does not
    make, which the loader takes: it stays inside both inputs)."""
    b = bytearray(blob)
    struct.pack_into("<12i", b, read_blob(blob).ops[0].params_offset, 1, 1, 2, 4, 0, 0, 1, 2, 0, 0, 1, 2)
    struct.pack_into("<I", b, 12, zlib.crc32(b[CRC_START:]))
    return bytes(b)


@pytest.mark.parametrize("name", ["ADD", "SUB", "MUL"])
def test_other_steps_take_the_records_arithmetic(name):
    model = compile_graph(quantised(name, (1, 8), (1, 8), 1))
    xs = [np.random.default_rng(2).integers(-128, 128, (16, 1, 8), dtype=np.int8) for _ in range(2)]
    opt, ref = both_paths(_walk_with_stride_2(model.blob), xs)
    assert np.array_equal(opt, ref)


def test_records_outside_the_fast_range_keep_the_reference_kernel():
    """An ADD record with no input halved (TFLite never makes one) and a MUL whose shift is above 14."""
    add = compile_graph(quantised("ADD", (1, 8), (1, 8), 1))
    b = bytearray(add.blob)
    at = read_blob(add.blob).ops[0].params_offset + 48  # hil_add_params_t after the walk
    struct.pack_into("<2i", b, at + 12, 1 << 30, -1)  # input 1: 1/4 instead of 1/2
    struct.pack_into("<2i", b, at + 20, 1 << 30, -1)
    struct.pack_into("<I", b, 12, zlib.crc32(b[CRC_START:]))
    mul = compile_graph(quantised("MUL", (1, 8), (1, 8), 1))
    m = bytearray(mul.blob)
    struct.pack_into("<i", m, read_blob(mul.blob).ops[0].params_offset + 48 + 12, 20)  # output shift
    struct.pack_into("<I", m, 12, zlib.crc32(m[CRC_START:]))
    for blob in (bytes(b), bytes(m)):
        sim = Simulator(blob)
        assert sim.optimised_ops() == [False]
        xs = [np.random.default_rng(3).integers(-128, 128, (4, 1, 8), dtype=np.int8) for _ in range(2)]
        assert np.array_equal(sim.run(*xs)[0], sim.run(*xs, reference=True)[0])


def test_on_the_board_the_m4_kernels_equal_the_reference_ones(stm32_elf):
    """The assembly loop and the DSP instructions, on random pairs under several quantisations (each input the
    larger one, both equal, fused activations, MUL with left shifts); and equal to the simulator."""
    from tests.conftest import open_board

    rng = np.random.default_rng(9)
    with open_board("qemu-f446") as session:
        for name in ("ADD", "SUB", "MUL"):
            for seed in range(8):
                model = compile_graph(quantised(name, (1, 2000), (1, 2000), seed))
                session.upload_model(model.blob)
                x = rng.integers(-128, 128, 4000, dtype=np.int8)
                opt, ref = (session.invoke(x.tobytes(), reference=r)[1] for r in (False, True))
                sim = Simulator(model.blob).run(x[:2000].reshape(1, 1, -1), x[2000:].reshape(1, 1, -1))[0]
                assert opt == ref == sim.tobytes(), (name, seed)
