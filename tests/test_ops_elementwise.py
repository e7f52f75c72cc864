"""Element-wise, activation, data-movement, reduction and (de)quantisation ops:
the simulator (the firmware's C runtime) against TFLM's reference kernels, bit
for bit.

Every case is a tiny tf.function converted to a full-integer TFLite model
(the test checks which ops the converter emitted), compiled to a .hilm and run
on the same random rows by both. Quantisation variants the converter would not
produce (power-of-two int16 scales, integer QUANTIZE, equal MEAN quantisation,
SOFTMAX beta) are made by editing the converted flatbuffer, which TFLM then
runs as given."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import struct
import zlib

import numpy as np
import pytest

import tensorflow as tf
import flatbuffers
from tflite_micro.python.tflite_micro import runtime as tflm

from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema  # noqa: E402

from tests.conftest import LINK_BOARDS  # noqa: E402

from hil.compile.blob import read_blob  # noqa: E402
from hil.compile.compiler import compile_tflite  # noqa: E402
from hil.compile.tflite import read_tflite  # noqa: E402
from hil.errors import DeviceError, ModelError  # noqa: E402
from hil.link.protocol import Status  # noqa: E402
from hil.sim import Simulator  # noqa: E402

ROWS = 24
SEEDS = range(3)
_CACHE: dict = {}


# ---------------------------------------------------------------- model making


def convert(fn, shapes, *, seed=0, ranges=None, offsets=None, int16=False, float_io=False, consts=()) -> bytes:
    """Full-integer TFLite for fn(*inputs) with inputs of the given shapes, calibrated on seeded data."""
    rng = np.random.default_rng(seed)
    ranges = ranges or [1.0] * len(shapes)
    offsets = offsets or [0.0] * len(shapes)
    f = tf.function(tf.autograph.experimental.do_not_convert(fn),
                    input_signature=[tf.TensorSpec(s, tf.float32) for s in shapes])  # fmt: skip
    conv = tf.lite.TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: (
        [(rng.normal(size=s) * r + o).astype(np.float32) for s, r, o in zip(shapes, ranges, offsets)]
        for _ in range(32)
    )
    if int16:
        conv.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    else:
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if not float_io:
        conv.inference_input_type = conv.inference_output_type = tf.int16 if int16 else tf.int8
    return conv.convert()


def cached(key, make):
    if key not in _CACHE:
        _CACHE[key] = make()
    return _CACHE[key]


def edit(tfl: bytes, change) -> bytes:
    """Rewrite a TFLite flatbuffer: change(model, subgraph) mutates the object tree."""
    model = schema.ModelT.InitFromPackedBuf(bytearray(tfl), 0)
    change(model, model.subgraphs[0])
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def set_quant(tensor, scale: float, zero_point: int) -> None:
    if tensor.quantization is None:
        tensor.quantization = schema.QuantizationParametersT()
    tensor.quantization.scale = [float(np.float32(scale))]
    tensor.quantization.zeroPoint = [int(zero_point)]


def op_names(tfl: bytes) -> list[str]:
    return [op.name for op in read_tflite(tfl).ops]


# ---------------------------------------------------------------- running


def random_inputs(tfl: bytes, rows: int, seed: int, fill=None) -> list[np.ndarray]:
    g = read_tflite(tfl)
    rng = np.random.default_rng(seed + 1000)
    xs = []
    for k, t in enumerate(g.inputs):
        spec = g.tensors[t]
        if fill is not None and k in fill:
            xs.append(fill[k])
        elif spec.dtype == "float32":
            xs.append((rng.normal(size=(rows, *spec.shape)) * 3).astype(np.float32))
        else:
            info = np.iinfo(spec.dtype)
            xs.append(rng.integers(info.min, info.max + 1, size=(rows, *spec.shape)).astype(spec.dtype))
    return xs


def tflm_run(tfl: bytes, xs: list[np.ndarray]) -> list[np.ndarray]:
    interp = tflm.Interpreter.from_bytes(tfl, arena_size=max(1 << 20, 10 * len(tfl)))
    n_out = len(read_tflite(tfl).outputs)
    outs: list[list[np.ndarray]] = []
    for r in range(xs[0].shape[0]):
        for k, x in enumerate(xs):
            interp.set_input(x[r], k)
        interp.invoke()
        outs.append([interp.get_output(j).copy() for j in range(n_out)])
    return [np.stack([o[j] for o in outs]) for j in range(len(outs[0]))]


def check(tfl: bytes, *, rows: int = ROWS, seed: int = 0, fill=None, expect=None) -> None:
    """The simulator's outputs, with the optimised and with the reference kernels, equal TFLM's exactly on the
    same rows."""
    if expect is not None:
        assert op_names(tfl) == expect, f"converter emitted {op_names(tfl)}, wanted {expect}"
    xs = random_inputs(tfl, rows, seed, fill)
    sim = Simulator(compile_tflite(tfl).blob)
    want = tflm_run(tfl, xs)
    for reference in (False, True):
        for j, (g, w) in enumerate(zip(sim.run(*xs, reference=reference), want)):
            g = g.reshape(w.shape)
            same = g.view(np.uint8).reshape(len(g), -1) == w.view(np.uint8).reshape(len(w), -1)
            if not same.all():
                bad = np.argwhere(g != w)
                first = [tuple(int(i) for i in b) for b in bad[:8]]
                pytest.fail(f"output {j} ({op_names(tfl)}, reference={reference}): {len(bad)} of {w.size} values "
                            f"differ from TFLM; first at {first}: hil {[g[b].item() for b in first]} vs TFLM "
                            f"{[w[b].item() for b in first]}")  # fmt: skip


# ---------------------------------------------------------------- shapes


def broadcast_pair(rng) -> tuple[tuple, tuple]:
    rank = int(rng.integers(1, 5))
    out = [int(rng.integers(1, 6)) for _ in range(rank)]
    shapes = []
    for _ in range(2):
        s = [d if rng.random() < 0.6 else 1 for d in out]
        drop = int(rng.integers(0, rank)) if rng.random() < 0.3 else 0
        shapes.append(tuple(s[drop:]))
    if rng.random() < 0.5:  # make sure the broadcast is not trivial
        shapes[0] = tuple(out)
    return shapes[0], shapes[1]


def random_shape(rng, rank=None, lo=1, hi=6) -> tuple:
    rank = rank or int(rng.integers(1, 5))
    return tuple(int(rng.integers(lo, hi + 1)) for _ in range(rank))


ACTS = {"none": lambda x: x, "relu": tf.nn.relu, "relu6": tf.nn.relu6}


# ---------------------------------------------------------------- binary ops


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("name", ["ADD", "SUB", "MUL"])
def test_binary_int8_broadcast(name, seed):
    rng = np.random.default_rng(seed * 7 + len(name))
    a, b = broadcast_pair(rng)
    act = list(ACTS)[seed % 3]
    base = {"ADD": lambda x, y: x + y, "SUB": lambda x, y: x - y, "MUL": lambda x, y: x * y}[name]
    ranges = [float(rng.uniform(0.2, 5)), float(rng.uniform(0.2, 5))]
    offsets = [float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1))]
    tfl = cached((name, seed), lambda: convert(lambda x, y: ACTS[act](base(x, y)), [a, b], seed=seed, ranges=ranges,
                                               offsets=offsets))  # fmt: skip
    check(tfl, seed=seed, expect=[name])


def random_quant(rng, dtype: str) -> tuple[float, int]:
    """A log-uniform scale and, for int8, any zero point (int16 stays symmetric, as 16x8 models are)."""
    scale = float(np.exp(rng.uniform(np.log(1e-3), np.log(0.5)))) / (1 if dtype == "int8" else 256)
    zp = 0 if dtype == "int16" else int(rng.integers(-128, 128))
    return scale, zp


@pytest.mark.parametrize("variant", range(4))
@pytest.mark.parametrize("name", ["ADD", "SUB", "MUL"])
def test_binary_int8_all_pairs(name, variant):
    """Every pair of int8 inputs under random scales, zero points and fused activations."""
    rng = np.random.default_rng(variant * 31 + len(name))
    base = {"ADD": lambda x, y: x + y, "SUB": lambda x, y: x - y, "MUL": lambda x, y: x * y}[name]
    tfl = cached((name, "pairs"), lambda: convert(base, [(256, 256), (256, 256)]))
    quants = [random_quant(rng, "int8") for _ in range(3)]
    if name != "MUL":  # keep the output scale within TFLM's multiplier < 1 bound
        quants[2] = (max(quants[2][0], max(quants[0][0], quants[1][0]) / 2**18), quants[2][1])
    activation = variant % 4  # none, RELU, RELU_N1_TO_1, RELU6

    def change(m, sg):
        op = sg.operators[0]
        for t, q in zip((op.inputs[0], op.inputs[1], op.outputs[0]), quants):
            set_quant(sg.tensors[t], *q)
        op.builtinOptions.fusedActivationFunction = activation

    a = np.broadcast_to(np.arange(-128, 128, dtype=np.int8), (256, 256))
    check(edit(tfl, change), rows=1, fill={0: a[None].copy(), 1: a.T[None].copy()}, expect=[name])


@pytest.mark.parametrize("name", ["ADD", "MUL"])
def test_binary_int8_constant_operand(name):
    c = np.linspace(-2, 3, 5).astype(np.float32)
    fn = {"ADD": lambda x: x + c, "MUL": lambda x: x * 0.75}[name]
    check(cached(("const", name), lambda: convert(fn, [(2, 3, 5)])), expect=[name])


@pytest.mark.parametrize("name", ["ADD", "SUB", "MUL"])
def test_binary_int16(name):
    rng = np.random.default_rng(11)
    a, b = broadcast_pair(rng)
    base = {"ADD": lambda x, y: x + y, "SUB": lambda x, y: x - y, "MUL": lambda x, y: x * y}[name]
    tfl = cached((name, "16"), lambda: convert(base, [a, b], int16=True, ranges=[2.0, 0.5]))
    check(tfl, expect=[name])


@pytest.mark.parametrize("variant", range(3))
@pytest.mark.parametrize("name", ["ADD", "SUB", "MUL"])
def test_binary_int16_random_quant(name, variant):
    """Random int16 pairs under random scales and fused activations (int16 SUB told TFLM's double-precision
    multipliers apart from the float32 ones of older sources)."""
    rng = np.random.default_rng(variant * 17 + len(name))
    base = {"ADD": lambda x, y: x + y, "SUB": lambda x, y: x - y, "MUL": lambda x, y: x * y}[name]
    tfl = cached((name, "16pairs"), lambda: convert(base, [(1, 4096), (1, 4096)], int16=True))
    quants = [random_quant(rng, "int16") for _ in range(3)]
    if name != "MUL":
        quants[2] = (max(quants[2][0], max(quants[0][0], quants[1][0]) / 2**13), 0)

    def change(m, sg):
        op = sg.operators[0]
        for t, q in zip((op.inputs[0], op.inputs[1], op.outputs[0]), quants):
            set_quant(sg.tensors[t], *q)
        op.builtinOptions.fusedActivationFunction = variant

    check(edit(tfl, change), rows=16, seed=variant, expect=[name])


# ---------------------------------------------------------------- activations


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", ["LOGISTIC", "TANH", "RELU", "RELU6"])
def test_activation_int8(name, seed):
    rng = np.random.default_rng(seed + 100)
    fn = {"LOGISTIC": tf.sigmoid, "TANH": tf.tanh, "RELU": tf.nn.relu, "RELU6": tf.nn.relu6}[name]
    shape = random_shape(rng)
    r, o = float(rng.uniform(0.1, 8)), float(rng.uniform(-2, 2))
    check(cached((name, seed), lambda: convert(fn, [shape], seed=seed, ranges=[r], offsets=[o])), seed=seed,
          expect=[name])  # fmt: skip


@pytest.mark.parametrize("name", ["LOGISTIC", "TANH"])
@pytest.mark.parametrize("scale_range", [0.02, 0.6, 3.0, 40.0])
def test_sigmoid_int8_all_inputs(name, scale_range):
    """Every int8 input value, at several input scales and zero points."""
    fn = tf.sigmoid if name == "LOGISTIC" else tf.tanh
    tfl = cached((name, "sweep", scale_range),
                 lambda: convert(fn, [(1, 256)], ranges=[scale_range], offsets=[scale_range / 3]))  # fmt: skip
    sweep = np.arange(-128, 128, dtype=np.int8).reshape(1, 1, 256)
    check(tfl, rows=1, fill={0: sweep}, expect=[name])


@pytest.mark.parametrize("variant", range(8))
@pytest.mark.parametrize("name", ["LOGISTIC", "TANH", "RELU", "RELU6"])
def test_activation_int8_all_inputs_random_quant(name, variant):
    """Every int8 input under random input (and, for RELU, output) quantisation."""
    rng = np.random.default_rng(variant * 13 + len(name))
    fn = {"LOGISTIC": tf.sigmoid, "TANH": tf.tanh, "RELU": tf.nn.relu, "RELU6": tf.nn.relu6}[name]
    tfl = cached((name, "sweep", 1.0), lambda: convert(fn, [(1, 256)], ranges=[1.0], offsets=[1 / 3]))
    scale = float(np.exp(rng.uniform(np.log(2e-3), np.log(0.3))))
    in_q, out_q = (scale, int(rng.integers(-128, 128))), random_quant(rng, "int8")

    def change(m, sg):
        set_quant(sg.tensors[sg.operators[0].inputs[0]], *in_q)
        if name in ("RELU", "RELU6"):
            set_quant(sg.tensors[sg.operators[0].outputs[0]], *out_q)

    sweep = np.arange(-128, 128, dtype=np.int8).reshape(1, 1, 256)
    check(edit(tfl, change), rows=1, fill={0: sweep}, expect=[name])


@pytest.mark.parametrize("name", ["LOGISTIC", "TANH", "RELU", "RELU6"])
def test_activation_int16(name):
    fn = {"LOGISTIC": tf.sigmoid, "TANH": tf.tanh, "RELU": tf.nn.relu, "RELU6": tf.nn.relu6}[name]
    check(cached((name, "16"), lambda: convert(fn, [(3, 7)], int16=True, ranges=[3.0])), expect=[name])


@pytest.mark.parametrize("name", ["LOGISTIC", "TANH"])
@pytest.mark.parametrize("in_scale", [None, 2.0**-12, 2.0**-11, 1.7e-4])
def test_sigmoid_int16_all_inputs(name, in_scale):
    """Every int16 input value: the converter's scale, power-of-two scales (TFLM's POT path) and another."""
    fn = tf.sigmoid if name == "LOGISTIC" else tf.tanh
    tfl = cached((name, "16sweep"), lambda: convert(fn, [(1, 4096)], int16=True, ranges=[4.0]))
    if in_scale is not None:
        tfl = edit(tfl, lambda m, sg: set_quant(sg.tensors[sg.operators[0].inputs[0]], in_scale, 0))
    sweep = np.arange(-32768, 32768, dtype=np.int16).reshape(16, 1, 4096)
    check(tfl, rows=16, fill={0: sweep}, expect=[name])


@pytest.mark.parametrize("seed", range(5))
def test_softmax_int8(seed):
    rng = np.random.default_rng(seed + 200)
    shape = random_shape(rng, hi=12)
    r = float(rng.uniform(0.3, 10))
    check(cached(("SOFTMAX", seed), lambda: convert(tf.nn.softmax, [shape], seed=seed, ranges=[r])), seed=seed,
          expect=["SOFTMAX"])  # fmt: skip


@pytest.mark.parametrize("beta", [None, 0.37, 2.5])
@pytest.mark.parametrize("scale_range", [0.5, 6.0])
def test_softmax_int8_all_differences(beta, scale_range):
    """Rows of depth 256 whose maximum runs over every int8 value and whose differences cover 0..255."""
    tfl = cached(("SOFTMAX", "sweep", scale_range), lambda: convert(tf.nn.softmax, [(1, 256)], ranges=[scale_range]))
    if beta is not None:
        tfl = edit(tfl, lambda m, sg: setattr(sg.operators[0].builtinOptions, "beta", beta))
    top = np.arange(-128, 128).reshape(256, 1)
    rows = np.clip(top - np.arange(256).reshape(1, 256), -128, 127).astype(np.int8)
    check(tfl, rows=256, fill={0: rows.reshape(256, 1, 256)}, expect=["SOFTMAX"])


# ---------------------------------------------------------------- data movement


def test_reshape_squeeze_expand_dims_alias():
    fn = lambda x: tf.expand_dims(tf.squeeze(tf.reshape(x, (1, 4, 1, 6)), 2), 0)  # noqa: E731
    tfl = cached(("RESHAPE",), lambda: convert(fn, [(2, 12)]))
    assert set(op_names(tfl)) == {"RESHAPE"}
    cm = compile_tflite(tfl)
    assert cm.arena_bytes - cm.state_bytes == 24  # input and outputs share one buffer
    check(tfl)


def _as_squeeze(m, sg):
    op = sg.operators[0]
    code = m.operatorCodes[op.opcodeIndex]
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.SQUEEZE
    op.inputs = [op.inputs[0]]
    op.builtinOptionsType, op.builtinOptions = schema.BuiltinOptions.SqueezeOptions, schema.SqueezeOptionsT()
    op.builtinOptions.squeezeDims = [1]


def _as_expand_dims(m, sg):
    op = sg.operators[0]
    code = m.operatorCodes[op.opcodeIndex]
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.EXPAND_DIMS
    axis = sg.tensors[op.inputs[1]]  # the reshape's shape constant becomes the axis
    axis.shape = [1]
    m.buffers[axis.buffer].data = np.array([1], np.int32).view(np.uint8)
    op.builtinOptionsType, op.builtinOptions = schema.BuiltinOptions.ExpandDimsOptions, schema.ExpandDimsOptionsT()


def test_squeeze_and_expand_dims_ops():
    """The converter lowers both to RESHAPE; as TFLite ops of their own they share its encoder."""
    squeeze = cached(("SQUEEZE",), lambda: edit(convert(lambda x: tf.reshape(x, (2, 12)), [(2, 1, 12)]), _as_squeeze))
    expand = cached(("EXPAND_DIMS",),
                    lambda: edit(convert(lambda x: tf.reshape(x, (2, 1, 12)), [(2, 12)]), _as_expand_dims))  # fmt: skip
    check(squeeze, expect=["SQUEEZE"])
    check(expand, expect=["EXPAND_DIMS"])


@pytest.mark.parametrize("seed", SEEDS)
def test_concatenation(seed):
    rng = np.random.default_rng(seed + 300)
    rank = int(rng.integers(1, 5))
    axis = int(rng.integers(-rank, rank))
    base = random_shape(rng, rank)
    shapes = []
    for _ in range(int(rng.integers(2, 5))):
        s = list(base)
        s[axis] = int(rng.integers(1, 5))
        shapes.append(tuple(s))
    fn = lambda *xs: tf.concat(list(xs), axis=axis)  # noqa: E731
    tfl = cached(("CONCATENATION", seed), lambda: convert(fn, shapes, seed=seed))
    check(tfl, seed=seed, expect=["CONCATENATION"])


def test_concatenation_mixed_quantisation_rejected_like_tflm():
    tfl = cached(("CONCATENATION", "pair"), lambda: convert(lambda x, y: tf.concat([x, y], 1), [(2, 3), (2, 4)]))
    mixed = edit(tfl, lambda m, sg: set_quant(sg.tensors[sg.operators[0].inputs[1]], 0.5, 7))
    with pytest.raises(RuntimeError):
        tflm.Interpreter.from_bytes(mixed)
    with pytest.raises(ModelError, match="quantised differently"):
        compile_tflite(mixed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", ["SPLIT", "SPLIT_V"])
def test_split(name, seed):
    rng = np.random.default_rng(seed + 400 + len(name))
    rank = int(rng.integers(1, 5))
    axis = int(rng.integers(0, rank))
    shape = list(random_shape(rng, rank))
    if name == "SPLIT":
        parts = int(rng.integers(2, 4))
        shape[axis] = parts * int(rng.integers(1, 3))
        fn = lambda x: tf.split(x, parts, axis=axis)  # noqa: E731
    else:
        sizes = [int(v) for v in rng.integers(1, 4, size=int(rng.integers(2, 4)))]
        shape[axis] = sum(sizes)
        fn = lambda x: tf.split(x, sizes, axis=axis)  # noqa: E731
    check(cached((name, seed), lambda: convert(fn, [tuple(shape)], seed=seed)), seed=seed, expect=[name])


def random_slice(rng, shape) -> dict:
    """Random begin/end/strides/masks (negative indices and strides, shrinks) that TF accepts and that
    select something; the last axis keeps a stride other than 1 so the converter emits STRIDED_SLICE."""
    rank = len(shape)
    while True:
        shrink = int(rng.integers(0, 1 << rank)) if rng.random() < 0.5 else 0
        shrink &= ~(1 << (rank - 1))
        strides = [1 if shrink >> k & 1 else int(rng.choice([-2, -1, 1, 2, 3])) for k in range(rank)]
        if strides[-1] == 1:
            strides[-1] = -1
        spec = dict(
            begin=[int(rng.integers(-d, d)) if shrink >> k & 1 else int(rng.integers(-d - 1, d + 2))
                   for k, d in enumerate(shape)],  # fmt: skip
            end=[int(rng.integers(-d - 1, d + 2)) for d in shape],
            strides=strides,
            begin_mask=int(rng.integers(0, 1 << rank)) & ~shrink,
            end_mask=int(rng.integers(0, 1 << rank)) & ~shrink,
            shrink_axis_mask=shrink,
        )
        try:
            out = tf.strided_slice(np.zeros(shape, np.float32), **spec)
        except (tf.errors.InvalidArgumentError, ValueError):
            continue
        if int(np.prod(out.shape)) > 0:
            return spec


@pytest.mark.parametrize("seed", range(10))
def test_strided_slice(seed):
    rng = np.random.default_rng(seed + 500)
    shape = random_shape(rng, hi=7)
    spec = random_slice(rng, shape)
    tfl = cached(("STRIDED_SLICE", seed), lambda: convert(lambda x: tf.strided_slice(x, **spec), [shape], seed=seed))
    check(tfl, seed=seed, expect=["STRIDED_SLICE"])


# ---------------------------------------------------------------- reduction


@pytest.mark.parametrize("seed", range(8))
def test_mean(seed):
    rng = np.random.default_rng(seed + 600)
    while True:  # something to average (a mean over unit axes converts to nothing)
        shape = random_shape(rng, hi=6)
        rank = len(shape)
        axes = sorted({int(a) for a in rng.integers(-rank, rank, size=int(rng.integers(1, rank + 1)))})
        if np.prod([shape[a] for a in axes]) > 1:
            break
    keep = bool(seed % 2)
    fn = lambda x: tf.reduce_mean(x, axis=axes, keepdims=keep)  # noqa: E731
    tfl = cached(("MEAN", seed), lambda: convert(fn, [shape], seed=seed, ranges=[float(rng.uniform(0.5, 4))]))
    check(tfl, seed=seed, expect=["MEAN"])


def test_mean_equal_quantisation_still_requantises():
    """Input and output quantised alike: older TFLM divided the sum; this one requantises all the same."""
    tfl = cached(("MEAN", "gap"), lambda: convert(lambda x: tf.reduce_mean(x, axis=[1, 2]), [(2, 3, 5, 4)]))

    def same(m, sg):
        q = sg.tensors[sg.operators[0].inputs[0]].quantization
        set_quant(sg.tensors[sg.operators[0].outputs[0]], q.scale[0], q.zeroPoint[0])

    check(edit(tfl, same), expect=["MEAN"])


def test_mean_int16():
    fn = lambda x: tf.reduce_mean(x, axis=[1])  # noqa: E731
    check(cached(("MEAN", "16"), lambda: convert(fn, [(3, 7, 2)], int16=True)), expect=["MEAN"])


# ---------------------------------------------------------------- (de)quantisation


def float_io_model(int16: bool) -> bytes:
    return cached(("QDQ", int16), lambda: convert(tf.nn.relu, [(4, 9)], int16=int16, float_io=True, ranges=[3.0]))


@pytest.mark.parametrize("int16", [False, True])
def test_quantize_dequantize_float_io(int16):
    check(float_io_model(int16), expect=["QUANTIZE", "RELU", "DEQUANTIZE"])


_QTYPE = {"int8": schema.TensorType.INT8, "int16": schema.TensorType.INT16}


def only_quantize(in_dtype: str, out_dtype: str, in_q: tuple, out_q: tuple) -> bytes:
    """The float-input model's QUANTIZE alone, given an integer input: a requantisation."""
    def change(m, sg):
        q = sg.operators[0]
        sg.operators = [q]
        sg.outputs = [q.outputs[0]]
        for index, dtype, quant in ((q.inputs[0], in_dtype, in_q), (q.outputs[0], out_dtype, out_q)):
            sg.tensors[index].type = _QTYPE[dtype]
            set_quant(sg.tensors[index], *quant)

    return edit(float_io_model(False), change)


@pytest.mark.parametrize("in_dtype,out_dtype", [("int8", "int8"), ("int16", "int8"), ("int8", "int16"),
                                                 ("int16", "int16")])  # fmt: skip
@pytest.mark.parametrize("seed", range(2))
def test_quantize_between_integer_types(in_dtype, out_dtype, seed):
    """QUANTIZE as a requantisation: the float-input model's QUANTIZE given an integer input."""
    rng = np.random.default_rng(seed + 700)
    zp = {"int8": lambda: int(rng.integers(-100, 100)), "int16": lambda: 0 if rng.random() < 0.5
          else int(rng.integers(-3000, 3000))}  # fmt: skip
    in_q = (float(rng.uniform(0.001, 0.1)), zp[in_dtype]())
    out_q = (float(in_q[0] * rng.uniform(0.1, 10)), zp[out_dtype]())
    check(only_quantize(in_dtype, out_dtype, in_q, out_q), seed=seed, expect=["QUANTIZE"])


@pytest.mark.parametrize("variant", range(6))
def test_quantize_int8_all_inputs_random_quant(variant):
    """int8 -> int8 QUANTIZE (looked up in its table by the optimised kernel) on every input value."""
    rng = np.random.default_rng(variant + 750)
    in_q = random_quant(rng, "int8")
    out_q = (float(in_q[0] * np.exp(rng.uniform(np.log(0.05), np.log(20)))), int(rng.integers(-128, 128)))
    values = np.resize(np.arange(-128, 128, dtype=np.int8), (8, 4, 9))
    check(only_quantize("int8", "int8", in_q, out_q), rows=8, fill={0: values}, expect=["QUANTIZE"])


@pytest.mark.parametrize("int16", [False, True])
def test_quantize_float_edge_values(int16):
    """Halves, NaN, infinities and quotients beyond int32 convert as TFLM's (x86) build converts them."""
    def only_quantize(m, sg):
        q = sg.operators[0]
        sg.operators, sg.outputs = [q], [q.outputs[0]]
        set_quant(sg.tensors[q.outputs[0]], 0.02, 0 if int16 else -7)

    s = 0.02
    edge = [np.nan, np.inf, -np.inf, 1e30, -1e30, 3e9 * s, -3e9 * s, 2.5 * s, -2.5 * s, 0.5 * s, -0.5 * s, 1.5 * s,
            -0.0, 2147483520 * s, 2147483648 * s, -2147483648 * s, 126.5 * s, -128.5 * s]  # fmt: skip
    values = np.array(edge * 2, np.float32).reshape(1, 4, 9)
    check(edit(float_io_model(int16), only_quantize), rows=1, fill={0: values}, expect=["QUANTIZE"])


@pytest.mark.parametrize("int16", [False, True])
@pytest.mark.parametrize("variant", range(3))
def test_dequantize_all_inputs(int16, variant):
    rng = np.random.default_rng(variant + 800)
    dtype = "int16" if int16 else "int8"
    quant = random_quant(rng, dtype)

    def only_dequantize(m, sg):
        d = sg.operators[-1]
        sg.operators, sg.inputs = [d], [d.inputs[0]]
        set_quant(sg.tensors[d.inputs[0]], *quant)

    info = np.iinfo(dtype)
    values = np.resize(np.arange(info.min, info.max + 1), (-(-(info.max - info.min + 1) // 36), 4, 9))
    check(edit(float_io_model(int16), only_dequantize), rows=len(values), fill={0: values.astype(dtype)},
          expect=["DEQUANTIZE"])  # fmt: skip


def test_unsupported_int16_softmax_is_a_model_error():
    tfl = cached(("SOFTMAX", "16"), lambda: convert(tf.nn.softmax, [(1, 10)], int16=True))
    with pytest.raises(ModelError, match="SOFTMAX"):
        compile_tflite(tfl)


# ---------------------------------------------------------------- corrupt blobs


def _fix_crc(blob: bytearray) -> bytes:
    struct.pack_into("<I", blob, 12, zlib.crc32(blob[16:]))
    return bytes(blob)


def _corrupt(blob: bytes, op_index: int, change) -> bytes:
    """change(blob, op_record_offset, params_offset) edits a copy; the CRC is fixed up."""
    info = read_blob(blob)
    out = bytearray(blob)
    change(out, info.header["ops_offset"] + 16 * op_index, info.ops[op_index].params_offset)
    return _fix_crc(out)


def _rejected(blob: bytes) -> None:
    with pytest.raises(DeviceError) as exc:
        Simulator(blob)
    assert exc.value.status == Status.BAD_MODEL


def _model(key):
    makers = {
        "ADD": lambda: convert(lambda x, y: x + y, [(2, 3, 4), (3, 1)]),
        "STRIDED_SLICE": lambda: convert(lambda x: x[:, ::2, 1:], [(2, 6, 4)]),
        "CONCATENATION": lambda: convert(lambda x, y: tf.concat([x, y], 1), [(2, 3), (2, 5)]),
        "MEAN": lambda: convert(lambda x: tf.reduce_mean(x, axis=[1]), [(2, 5, 3)]),
    }
    tfl = cached(("corrupt", key), makers[key])
    blob = compile_tflite(tfl).blob
    Simulator(blob)  # the intact blob loads
    return blob


@pytest.mark.parametrize(
    "key,change",
    [
        ("ADD", lambda b, op, p: struct.pack_into("<I", b, op + 12, 92)),  # params_bytes
        ("ADD", lambda b, op, p: struct.pack_into("<I", b, op + 8, len(b) + 64)),  # params offset outside the blob
        ("ADD", lambda b, op, p: struct.pack_into("<i", b, p + 4 * 7, 1000)),  # input-1 stride past its end
        ("ADD", lambda b, op, p: struct.pack_into("<i", b, p + 4 * 14, 31)),  # left_shift
        ("STRIDED_SLICE", lambda b, op, p: struct.pack_into("<i", b, p, 47)),  # base past the input
        ("CONCATENATION", lambda b, op, p: struct.pack_into("<I", b, p + 8, 7)),  # copy bytes
        ("MEAN", lambda b, op, p: struct.pack_into("<i", b, p + 4 * 16, 4)),  # reduced count
    ],
    ids=["params_bytes", "params_offset", "stride", "left_shift", "slice_base", "concat_bytes", "mean_count"],
)
def test_corrupt_params_rejected(key, change):
    blob = _model(key)
    _rejected(_corrupt(blob, 0, change))


# ---------------------------------------------------------------- on the boards

BOARD_MODELS = {
    "ADD": lambda: convert(lambda x, y: x + y, [(2, 3, 4), (3, 1)]),
    "SUB": lambda: convert(lambda x, y: x - y, [(4, 5), (4, 5)]),
    "MUL": lambda: convert(lambda x, y: x * y, [(3, 4), (1, 4)]),
    "LOGISTIC": lambda: convert(tf.sigmoid, [(5, 7)], ranges=[4.0]),
    "TANH": lambda: convert(tf.tanh, [(5, 7)], ranges=[2.0]),
    "RELU": lambda: convert(tf.nn.relu, [(3, 8)], offsets=[0.5]),
    "RELU6": lambda: convert(tf.nn.relu6, [(3, 8)], ranges=[5.0]),
    "SOFTMAX": lambda: convert(tf.nn.softmax, [(2, 10)], ranges=[3.0]),
    "CONCATENATION": lambda: convert(lambda x, y: tf.concat([x, y], 1), [(2, 3), (2, 5)]),
    "SPLIT": lambda: convert(lambda x: tf.split(x, 3, axis=1), [(2, 6, 2)]),
    "STRIDED_SLICE": lambda: convert(lambda x: x[:, ::2, 1:], [(2, 6, 4)]),
    "MEAN": lambda: convert(lambda x: tf.reduce_mean(x, axis=[1]), [(2, 5, 3)]),
    "QUANTIZE/DEQUANTIZE": lambda: float_io_model(False),
    "int16 ADD": lambda: convert(lambda x, y: x + y, [(4, 5), (4, 5)], int16=True),
    "int16 LOGISTIC": lambda: convert(tf.sigmoid, [(5, 7)], ranges=[4.0], int16=True),
}


@pytest.mark.parametrize("board", LINK_BOARDS)
def test_every_op_on_the_board_equals_tflm(board, stm32_elf, host_exe):
    """Each op's model on the emulated board and on the host build, against TFLM, exactly."""
    from hil.run.rows import run_rows
    from tests.conftest import open_board

    with open_board(board) as session:
        for name, make in BOARD_MODELS.items():
            tfl = cached(("board", name), make)
            model = compile_tflite(tfl)
            xs = random_inputs(tfl, 8, seed=len(name))
            want = tflm_run(tfl, xs)
            got, _ = run_rows(session, model, [x.reshape(len(x), -1) for x in xs])
            for j, (g, w) in enumerate(zip(got, want)):
                bad = np.argwhere(g.reshape(w.shape).view(np.uint8) != w.view(np.uint8))
                assert bad.size == 0, f"{name} output {j} on {board}: {len(bad)} bytes differ from TFLM"
