"""PAD, PADV2, AVERAGE_POOL_2D and MAX_POOL_2D (int8, int16): the simulator's reference kernels, its
optimised (_m4) kernels and TFLM's reference kernels give the same integers, bit for bit.

Two sources of models: seeded random one-op graphs (hil.compile.synth, written as .tflite by
tests/graphs.py) over shapes, filter sizes, strides, SAME/VALID padding, pad amounts, fused
activations and quantisation; and Keras layers converted by TensorFlow (AveragePooling2D,
MaxPooling2D, ZeroPadding2D, a causal dilated Conv1D, GlobalAveragePooling2D) and the gallery's
DS-CNN. TFLM runs in a child process (hil.step.reference.run_tflm)."""

from __future__ import annotations

import numpy as np
import pytest

from hil.compile import synth
from hil.compile.compiler import compile_tflite
from hil.compile.tflite import Graph
from hil.sim import CORES, Simulator
from hil.step.reference import run_tflm
from tests.graphs import to_tflite

ROWS = 6
POOLS = ("AVERAGE_POOL_2D", "MAX_POOL_2D")


def rows_for(cm, n: int, seed: int) -> np.ndarray:
    """n random rows over the input's whole integer range."""
    spec = cm.inputs[0]
    info = np.iinfo(spec.dtype)
    rng = np.random.default_rng(seed)
    return rng.integers(info.min, info.max + 1, size=(n, *spec.shape), dtype=np.int64).astype(spec.dtype)


def assert_same(what: str, got: np.ndarray, want: np.ndarray) -> None:
    got = got.reshape(want.shape)
    bad = np.argwhere(got != want)
    if bad.size:
        first = [tuple(int(i) for i in b) for b in bad[:6]]
        pytest.fail(f"{what}: {len(bad)} of {want.size} values differ; first at {first}: "
                    f"{[got[b].item() for b in first]} vs {[want[b].item() for b in first]}")  # fmt: skip


def agree(tfl: bytes, label: str, rows: int = ROWS, seed: int = 0, x: np.ndarray | None = None) -> None:
    """Reference kernels, optimised kernels (every simulator core's) and TFLM give the same outputs on the
    same rows."""
    cm = compile_tflite(tfl)
    x = rows_for(cm, rows, seed) if x is None else x
    want = run_tflm(tfl, [x.reshape(len(x), *cm.inputs[0].shape[1:])])[0]
    for core in CORES:  # the M4's kernels and the RISC-V ports' own
        sim = Simulator(cm.blob, core)
        assert_same(f"{label} ({core}): reference kernels vs TFLM", sim.run(x, reference=True)[0], want)
        assert_same(f"{label} ({core}): optimised kernels vs TFLM", sim.run(x, reference=False)[0], want)


def requantise(graph: Graph, scale: float, zero_point: int) -> Graph:
    """Every quantised tensor of a one-op graph (input, output, pad value) in the same quantisation."""
    for t in graph.tensors:
        if t.scale.size and t.dtype in ("int8", "int16"):
            t.scale, t.zero_point = np.array([scale], np.float32), np.array([zero_point])
    return graph


def random_quant(rng, dtype: str) -> tuple[float, int]:
    scale = float(np.exp(rng.uniform(np.log(1e-3), np.log(0.5)))) / (1 if dtype == "int8" else 256)
    zp = int(rng.integers(-128, 128)) if dtype == "int8" else int(rng.choice([0, 0, int(rng.integers(-999, 999))]))
    return scale, zp


def random_pool(seed: int, kind: str, dtype: str) -> tuple[Graph, str]:
    rng = np.random.default_rng(seed)
    same = bool(rng.random() < 0.5)
    k = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
    stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    h, w = (int(rng.integers(1 if same else k[i], 13)) for i in range(2))
    channels, act = int(rng.integers(1, 21)), int(rng.integers(0, 4))
    graph = synth.pool2d(h, w, channels, k, stride, same, kind, dtype, act, seed)
    label = f"{kind} {dtype} {h}x{w}x{channels} k{k} s{stride} {'SAME' if same else 'VALID'} act {act}"
    return requantise(graph, *random_quant(rng, dtype)), label


@pytest.mark.parametrize("dtype", ["int8", "int16"])
@pytest.mark.parametrize("kind", POOLS)
@pytest.mark.parametrize("seed", range(8))
def test_random_pools_agree_with_tflm(kind, dtype, seed):
    graph, label = random_pool(seed * 7 + len(kind) + len(dtype), kind, dtype)
    agree(to_tflite(graph), label, seed=seed)


# Windows of more than 256 taps (the int8 M4 average widens its 16-bit lanes per block of rows, or
# per piece of a row longer than 256 taps), global pools, and channel counts around the 8 / 4 groups.
WIDE = {
    "global 20x20x9": lambda kind: synth.pool2d(20, 20, 9, k=(20, 20), stride=(20, 20), kind=kind),
    "row of 300 taps": lambda kind: synth.pool2d(2, 300, 5, k=(2, 300), stride=(1, 1), kind=kind),
    "17x17 of 13 channels, SAME": lambda kind: synth.pool2d(17, 18, 13, k=(17, 17), stride=(3, 4), same=True,
                                                            kind=kind),
    "25x5x64 (DS-CNN)": lambda kind: synth.pool2d(25, 5, 64, k=(25, 5), stride=(25, 5), kind=kind),
}  # fmt: skip


@pytest.mark.parametrize("kind", POOLS)
@pytest.mark.parametrize("case", WIDE)
def test_wide_windows_agree_with_tflm(case, kind):
    agree(to_tflite(WIDE[case](kind)), f"{kind} {case}", rows=3)


@pytest.mark.parametrize("kind", POOLS)
def test_extreme_inputs(kind):
    """All -128 and all 127 over a window of 256 and of 257 taps: the lanes' limits, exactly."""
    for n in (256, 257):
        tfl = to_tflite(synth.pool2d(1, n, 12, k=(1, n), stride=(1, 1), kind=kind))
        x = np.stack([np.full((1, 1, n, 12), v, np.int8) for v in (-128, 127)])
        agree(tfl, f"{kind} {n} taps of one value", x=x)


def random_pad(seed: int, dtype: str, v2: bool) -> tuple[Graph, str]:
    rng = np.random.default_rng(seed)
    rank = int(rng.integers(1, 5))
    shape = (1, *(int(d) for d in rng.integers(1, 7, rank - 1)))
    # the first axis is the rows' axis for run_tflm: test_pad_on_every_axis_equals_numpy pads it
    pads = [(0, 0)] + [(int(rng.integers(0, 4)), int(rng.integers(0, 4))) if rng.random() < 0.7 else (0, 0)
                       for _ in shape[1:]]  # fmt: skip
    info = np.iinfo(dtype)
    value = int(rng.integers(info.min, info.max + 1)) if v2 else None
    graph = synth.pad(shape, pads, dtype, value, seed)
    return requantise(graph, *random_quant(rng, dtype)), f"{'PADV2' if v2 else 'PAD'} {dtype} {shape} by {pads}"


@pytest.mark.parametrize("v2", [False, True], ids=["PAD", "PADV2"])
@pytest.mark.parametrize("dtype", ["int8", "int16"])
@pytest.mark.parametrize("seed", range(8))
def test_random_pads_agree_with_tflm(seed, dtype, v2):
    graph, label = random_pad(seed * 5 + len(dtype) + v2, dtype, v2)
    agree(to_tflite(graph), label, seed=seed)


def test_pad_merges_unpadded_axes_into_long_copies():
    from hil.compile.ops.pad import merge_axes
    from hil.compile.tflite import Op

    op, unit = Op(0, "PAD", [], []), (1, 0, 0)
    assert merge_axes(op, [unit, (5, 1, 2), (6, 0, 0), (3, 0, 0)]) == [unit, unit, unit, (90, 18, 36)]
    assert merge_axes(op, [(2, 0, 0), (5, 1, 0), (6, 0, 0), (3, 0, 1)]) == [unit, (2, 0, 0), (30, 6, 0), (3, 0, 1)]
    assert merge_axes(op, [unit] * 4) == [unit] * 4


@pytest.mark.parametrize("dtype", ["int8", "int16"])
def test_pad_on_every_axis_equals_numpy(dtype):
    """Padding on the outer axes too (TFLM's rows view cannot show a padded first axis): numpy's
    constant np.pad is the definition TFLM's reference Pad follows."""
    rng = np.random.default_rng(3)
    for shape, pads in (((2, 3, 4, 5), [(1, 2), (0, 1), (2, 0), (1, 1)]), ((3, 2), [(2, 1), (0, 3)]),
                        ((4, 1, 1, 2), [(0, 0), (3, 1), (0, 0), (0, 2)]), ((5,), [(4, 2)])):  # fmt: skip
        value = int(rng.integers(-100, 100))
        cm = compile_tflite(to_tflite(synth.pad(shape, pads, dtype, value)))
        x = rng.integers(-128, 128, size=(2, *shape)).astype(dtype)
        want = np.stack([np.pad(row, pads, constant_values=value) for row in x])
        sim = Simulator(cm.blob)
        for reference in (True, False):
            assert_same(f"PADV2 {shape} by {pads}", sim.run(x, reference=reference)[0], want)


# ---------------------------------------------------------------- what the compiler refuses


def _mirror_pad() -> Graph:
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    graph = synth.pad((1, 4, 3), [(0, 0), (1, 1), (0, 0)])
    op = graph.ops[0]
    op.name, op.options = "MIRROR_PAD", schema.MirrorPadOptionsT()
    op.options.mode = schema.MirrorPadMode.REFLECT
    return graph


def _edit(graph: Graph, change) -> Graph:
    change(graph)
    return graph


def _as_input(t: int):
    """Tensor t computed: a model input instead of a constant."""
    return lambda g: (setattr(g.tensors[t], "data", None), g.inputs.append(t))


def _set_activation(act: int):
    return lambda g: setattr(g.ops[0].options, "fusedActivationFunction", act)


REFUSED = {
    "MIRROR_PAD (REFLECT)": (_mirror_pad, "MIRROR_PAD is not supported"),
    "pool with a TANH activation": (lambda: _edit(synth.pool2d(4, 4, 3), _set_activation(4)),
                                    "wanted a fused activation of NONE, RELU, RELU_N1_TO_1 or RELU6, got TANH"),
    "pool that requantises": (lambda: _edit(synth.pool2d(4, 4, 3, kind="MAX_POOL_2D"),
                                            lambda g: setattr(g.tensors[1], "zero_point", np.array([7]))),
                              "wanted the input's quantisation on the output"),
    "pool output of the wrong size": (lambda: _edit(synth.pool2d(5, 5, 3, same=True),
                                                    lambda g: setattr(g.ops[0].options, "padding", 1)),
                                      "does not match VALID padding"),
    "int16 average of 65,536 taps": (lambda: synth.pool2d(256, 256, 1, k=(256, 256), dtype="int16"),
                                     "takes up to 65,535"),
    "negative padding": (lambda: synth.pad((1, 5, 3), [(0, 0), (-1, 2), (0, 0)]), "wanted paddings >= 0"),
    "computed paddings": (lambda: _edit(synth.pad((1, 5), [(0, 0), (1, 2)]),
                                        _as_input(2)),
                          "wanted constant int32 paddings"),
    "pad value in another quantisation": (lambda: _edit(synth.pad((1, 5), [(0, 0), (1, 2)], value=3),
                                                        lambda g: setattr(g.tensors[3], "zero_point", np.array([9]))),
                                          "wanted the pad value in the output's quantisation"),
    "computed pad value": (lambda: _edit(synth.pad((1, 5), [(0, 0), (1, 2)], value=3),
                                         _as_input(3)),
                           "must be a constant"),
}  # fmt: skip


@pytest.mark.parametrize("case", REFUSED)
def test_what_the_runtime_cannot_do_is_one_model_error(case):
    from hil.compile.compiler import compile_graph
    from hil.errors import ModelError

    make, message = REFUSED[case]
    with pytest.raises(ModelError) as exc:
        compile_graph(make())
    text = str(exc.value)
    assert message in text and "node 0 (" in text and "\n" not in text, text


# ---------------------------------------------------------------- corrupt records refused at load


def _patched(blob: bytes, at: int, fmt: str, value) -> bytes:
    import struct
    import zlib

    from hil.compile.blob import CRC_START, read_blob

    out = bytearray(blob)
    struct.pack_into(fmt, out, read_blob(blob).ops[0].params_offset + at, value)
    struct.pack_into("<I", out, 12, zlib.crc32(out[CRC_START:]))
    return bytes(out)


CORRUPT = {
    "pool stride 0": ("avg", 8, 0),
    "pool padding as wide as the filter": ("avg", 16, 3),
    "pool window past the input": ("max", 12, 40),
    "pool clamp reversed": ("max", 28, -100),
    "pool clamp beyond int8": ("avg", 28, 128),
    "average of 2^24 taps": ("avg_k", 0, 4096),
    "pad extent disagrees": ("pad", 12, 5),
    "negative pad": ("pad", 28, -1),
    "pad past the output": ("pad", 24, 1 << 30),
    "pad value beyond int8": ("pad", 48, 200),
}
BLOBS = {
    "avg": lambda: synth.pool2d(6, 6, 4, k=(3, 3), stride=(2, 2), same=True),
    "avg_k": lambda: synth.pool2d(1, 4096, 1, k=(1, 4096), stride=(1, 1)),
    "max": lambda: synth.pool2d(6, 6, 4, k=(3, 3), stride=(2, 2), kind="MAX_POOL_2D", activation=1),
    "pad": lambda: synth.pad((1, 3, 4), [(0, 0), (1, 2), (2, 1)], value=-5),
}


@pytest.mark.parametrize("case", CORRUPT)
def test_corrupt_records_are_rejected_at_load(case):
    from hil.compile.compiler import compile_graph
    from hil.errors import DeviceError
    from hil.link.protocol import Status

    which, at, value = CORRUPT[case]
    blob = compile_graph(BLOBS[which]()).blob
    Simulator(blob)  # the intact blob loads
    with pytest.raises(DeviceError) as exc:
        Simulator(_patched(blob, at, "<i", value))
    assert exc.value.status == Status.BAD_MODEL, case
