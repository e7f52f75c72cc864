"""The multiply-accumulate ops (FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D; int8 and
16x8): the simulator's reference kernels, its optimised (_m4) kernels and TFLM's
reference kernels give the same integers, bit for bit.

Every case is a one-layer Keras model with seeded random shapes and weights,
converted to full-integer TFLite (batch size 1, so that the converter folds
dilations into the conv instead of wrapping it in SPACE_TO_BATCH_ND), compiled to
a .hilm and run on the same random rows by all three. The optimised kernels'
host build is the portable C form of the same arithmetic the board runs (src/kernels/simd_m4.h),
and the simulator of the RISC-V ports' kernels (hil.sim.CORES) runs theirs (src/kernels/rv32/);
the slow board test runs each board's own code."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import struct
import zlib

import numpy as np
import pytest

import tensorflow as tf
from tflite_micro.python.tflite_micro import runtime as tflm

from hil.compile.blob import CRC_START, read_blob  # noqa: E402
from hil.compile.compiler import compile_tflite  # noqa: E402
from hil.compile.ops import OpCode, supported_ops  # noqa: E402
from hil.compile.tflite import read_tflite  # noqa: E402
from hil.errors import DeviceError  # noqa: E402
from hil.link.protocol import Status  # noqa: E402
from hil.sim import CORES, Simulator  # noqa: E402
from tests.conftest import EMULATED_BOARDS  # noqa: E402

ROWS = 24
L = tf.keras.layers
_rng = np.random.default_rng(20240611)


def _r(lo: int, hi: int) -> int:
    """A seeded random size in [lo, hi]."""
    return int(_rng.integers(lo, hi + 1))


def _bias():
    return tf.keras.initializers.RandomNormal(stddev=0.3)


# name -> (input shape without batch, layer factory, int16, op the converter must emit)
CASES = {
    "fc": ((_r(5, 70),), lambda: L.Dense(_r(5, 40), bias_initializer=_bias()), False, "FULLY_CONNECTED"),
    "fc_relu_rows": ((3, _r(33, 90)), lambda: L.Dense(_r(9, 30), activation="relu", bias_initializer=_bias()),
                     False, "FULLY_CONNECTED"),
    "fc_relu6": ((_r(16, 64),), lambda: L.Dense(_r(4, 24), activation="relu6", bias_initializer=_bias()),
                 False, "FULLY_CONNECTED"),
    "conv_1x1": ((_r(2, 5), _r(2, 5), _r(8, 40)), lambda: L.Conv2D(_r(8, 40), 1, bias_initializer=_bias()),
                 False, "CONV_2D"),
    "conv_same": ((_r(4, 8), _r(4, 8), _r(2, 9)),
                  lambda: L.Conv2D(_r(3, 12), 3, padding="same", activation="relu", bias_initializer=_bias()),
                  False, "CONV_2D"),
    "conv_valid_strided": ((_r(7, 11), _r(7, 11), _r(2, 6)),
                           lambda: L.Conv2D(_r(3, 9), (3, 2), strides=2, padding="valid", bias_initializer=_bias()),
                           False, "CONV_2D"),
    "conv_same_strided": ((_r(6, 9), _r(6, 9), _r(3, 7)),
                          lambda: L.Conv2D(_r(4, 9), 4, strides=(2, 3), padding="same", bias_initializer=_bias()),
                          False, "CONV_2D"),
    "conv_dilated": ((_r(8, 11), _r(8, 11), _r(2, 5)),
                     lambda: L.Conv2D(_r(3, 8), 3, dilation_rate=2, padding="same", bias_initializer=_bias()),
                     False, "CONV_2D"),
    "conv_1d_dilated": ((1, _r(20, 40), _r(4, 12)),
                        lambda: L.Conv2D(_r(4, 12), (1, 3), dilation_rate=(1, 4), padding="same",
                                         bias_initializer=_bias()),
                        False, "CONV_2D"),
    "conv_grouped": ((_r(4, 7), _r(4, 7), 6), lambda: L.Conv2D(9, 3, groups=3, padding="same",
                                                               bias_initializer=_bias()), False, "CONV_2D"),
    "dw_same": ((_r(4, 8), _r(4, 8), _r(5, 11)),
                lambda: L.DepthwiseConv2D(3, padding="same", activation="relu", bias_initializer=_bias()),
                False, "DEPTHWISE_CONV_2D"),
    "dw_mult2_strided": ((_r(7, 10), _r(7, 10), _r(2, 5)),
                         lambda: L.DepthwiseConv2D((3, 2), strides=2, depth_multiplier=2, padding="valid",
                                                   bias_initializer=_bias()), False, "DEPTHWISE_CONV_2D"),
    "dw_1d_dilation2": ((1, _r(16, 40), _r(6, 20)),
                        lambda: L.DepthwiseConv2D((1, 3), dilation_rate=(1, 2), padding="same",
                                                  bias_initializer=_bias()), False, "DEPTHWISE_CONV_2D"),
    "dw_1d_dilation4": ((1, _r(16, 40), _r(6, 20)),
                        lambda: L.DepthwiseConv2D((1, 3), dilation_rate=(1, 4), padding="valid",
                                                  bias_initializer=_bias()), False, "DEPTHWISE_CONV_2D"),
    "fc_16x8": ((_r(5, 60),), lambda: L.Dense(_r(3, 30), activation="relu", bias_initializer=_bias()),
                True, "FULLY_CONNECTED"),
    "conv_16x8": ((_r(4, 8), _r(4, 8), _r(2, 6)),
                  lambda: L.Conv2D(_r(3, 9), 3, strides=2, padding="same", bias_initializer=_bias()),
                  True, "CONV_2D"),
    "conv_16x8_dilated": ((1, _r(12, 30), _r(2, 6)),
                          lambda: L.Conv2D(_r(3, 9), (1, 3), dilation_rate=(1, 2), padding="same",
                                           bias_initializer=_bias()), True, "CONV_2D"),
    "dw_16x8": ((_r(4, 8), _r(4, 8), _r(2, 6)),
                lambda: L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", bias_initializer=_bias()),
                True, "DEPTHWISE_CONV_2D"),
    "dw_16x8_1d_dilated": ((1, _r(12, 30), _r(2, 6)),
                           lambda: L.DepthwiseConv2D((1, 3), dilation_rate=(1, 2), padding="same",
                                                     bias_initializer=_bias()), True, "DEPTHWISE_CONV_2D"),
    # The optimised 3-wide path (stride 1, multiplier 1): rows of odd length (a pair's second output
    # lands on the next row, the last row's in a staged copy), both orders of the phases of a
    # dilation (out_w = 3 d + 1: descending; 2 d + 1: ascending), a channel tail of 1-3, the C form
    # (a clamp, a kernel 5 high, a dilation wider than the output), sums near the limit of its
    # arithmetic and, past it, the general path.
    "dw_3x3_odd_rows": ((5, 9, 7), lambda: L.DepthwiseConv2D(3, padding="same", bias_initializer=_bias()),
                        False, "DEPTHWISE_CONV_2D"),
    "dw_dilated_phases_down": ((8, 16, 8), lambda: L.DepthwiseConv2D(3, dilation_rate=(2, 3), padding="valid",
                                                                     bias_initializer=_bias()),
                               False, "DEPTHWISE_CONV_2D"),
    "dw_1d_dilated_phases_up": ((1, 7, 13), lambda: L.DepthwiseConv2D((1, 3), dilation_rate=(1, 3), padding="same",
                                                                      bias_initializer=_bias()),
                                False, "DEPTHWISE_CONV_2D"),
    "dw_3x3_relu6": ((4, 7, 8), lambda: L.DepthwiseConv2D(3, padding="same", activation="relu6",
                                                          bias_initializer=_bias()), False, "DEPTHWISE_CONV_2D"),
    "dw_5x3": ((6, 6, 5), lambda: L.DepthwiseConv2D((5, 3), padding="same", bias_initializer=_bias()),
               False, "DEPTHWISE_CONV_2D"),
    "dw_1d_dilation_past_width": ((1, 5, 4), lambda: L.DepthwiseConv2D((1, 3), dilation_rate=(1, 6), padding="same",
                                                                       bias_initializer=_bias()),
                                  False, "DEPTHWISE_CONV_2D"),
    "dw_large_bias": ((4, 5, 8), lambda: L.DepthwiseConv2D(3, padding="same",
                                                           bias_initializer=tf.keras.initializers.Constant(2e4)),
                      False, "DEPTHWISE_CONV_2D"),  # about 3.6e8 quantised: the 3-wide path's largest sums
    "dw_big_bias": ((4, 5, 8), lambda: L.DepthwiseConv2D(3, padding="same",
                                                         bias_initializer=tf.keras.initializers.Constant(4e4)),
                    False, "DEPTHWISE_CONV_2D"),  # about 9e8: past 2^29, the general path
    # The 1-D path (height 1, 3 taps, stride 1): a streaming step (VALID, one output), an undilated one,
    # sums near the limit of its arithmetic and, past it, the general path.
    "dw_1d_stream_step": ((1, 9, _r(6, 20)), lambda: L.DepthwiseConv2D((1, 3), dilation_rate=(1, 4), padding="valid",
                                                                       bias_initializer=_bias()),
                          False, "DEPTHWISE_CONV_2D"),
    "dw_1d_plain": ((1, _r(5, 30), _r(3, 17)), lambda: L.DepthwiseConv2D((1, 3), padding="same",
                                                                             bias_initializer=_bias()),
                        False, "DEPTHWISE_CONV_2D"),
    "dw_1d_large_bias": ((1, 12, 8), lambda: L.DepthwiseConv2D((1, 3), dilation_rate=(1, 2), padding="same",
                                                               bias_initializer=tf.keras.initializers.Constant(2e4)),
                         False, "DEPTHWISE_CONV_2D"),
    "dw_1d_big_bias": ((1, 12, 8), lambda: L.DepthwiseConv2D((1, 3), dilation_rate=(1, 2), padding="same",
                                                             bias_initializer=tf.keras.initializers.Constant(4e4)),
                       False, "DEPTHWISE_CONV_2D"),
}  # fmt: skip

# Keras's own 1-D depthwise layer becomes RESHAPE, DEPTHWISE_CONV_2D (H = 1, dilated), RESHAPE.
CASES_WITH_RESHAPE = {
    "dw1d_keras_dilation2": ((_r(16, 40), _r(4, 12)),
                             lambda: L.DepthwiseConv1D(3, dilation_rate=2, padding="same", bias_initializer=_bias()),
                             False, "DEPTHWISE_CONV_2D"),
    "dw1d_keras_dilation4": ((_r(16, 40), _r(4, 12)),
                             lambda: L.DepthwiseConv1D(3, dilation_rate=4, padding="same", bias_initializer=_bias()),
                             False, "DEPTHWISE_CONV_2D"),
}  # fmt: skip


def convert(shape: tuple, layer, int16: bool, seed: int) -> bytes:
    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.Sequential([tf.keras.Input(shape, batch_size=1), layer()])
    calib = np.random.default_rng(seed).normal(size=(32, 1, *shape)).astype(np.float32)
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([c] for c in calib)
    if int16:
        conv.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
        conv.inference_input_type = conv.inference_output_type = tf.int16
    else:
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = conv.inference_output_type = tf.int8
    return conv.convert()


@pytest.fixture(scope="module")
def models() -> dict:
    """name -> (tflite bytes, compiled model). TF conversion is the slow part: done once."""
    cases = dict(CASES)
    if "RESHAPE" in supported_ops():
        cases.update(CASES_WITH_RESHAPE)
    out = {}
    for i, (name, (shape, layer, int16, op)) in enumerate(cases.items()):
        tfl = convert(shape, layer, int16, seed=100 + i)
        ops = [o.name for o in read_tflite(tfl).ops]
        assert op in ops, f"{name}: the converter emitted {ops}, not {op}"
        out[name] = (tfl, compile_tflite(tfl))
    return out


def _rows(cm, n: int, seed: int) -> np.ndarray:
    spec = cm.inputs[0]
    info = np.iinfo(spec.dtype)
    rng = np.random.default_rng(seed)
    return rng.integers(info.min, info.max + 1, size=(n, *spec.shape), dtype=np.int64).astype(spec.dtype)


def _tflm(tfl: bytes, x: np.ndarray) -> np.ndarray:
    ip = tflm.Interpreter.from_bytes(tfl)
    outs = []
    for row in x:
        ip.set_input(row, 0)
        ip.invoke()
        outs.append(ip.get_output(0).copy())
    return np.stack(outs)


def assert_same(name: str, what: str, got: np.ndarray, want: np.ndarray) -> None:
    got, want = got.reshape(want.shape), want
    diff = np.argwhere(got != want)
    if diff.size:
        where = [f"{tuple(int(i) for i in d)}: {got[tuple(d)]} vs {want[tuple(d)]}" for d in diff[:8]]
        pytest.fail(f"{name}: {what} differs in {len(diff)} of {want.size} values; first at (row, ...) "
                    + "; ".join(where))  # fmt: skip


def test_cases_cover_the_kernels(models):
    codes = {op["op"] for _, cm in models.values() for op in cm.ops}
    assert {"FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D"} <= codes
    for name, (tfl, _) in models.items():
        ops = read_tflite(tfl).ops
        mac = [o for o in ops if o.name in ("CONV_2D", "DEPTHWISE_CONV_2D")]
        if "dilat" in name:  # folded into the conv, not SPACE_TO_BATCH_ND around it
            assert max(o.options.dilationWFactor for o in mac) > 1, name


@pytest.mark.parametrize("name", [*CASES, *CASES_WITH_RESHAPE])
def test_reference_optimised_and_tflm_agree(models, name):
    assert name in models, f"{name} did not compile"
    tfl, cm = models[name]
    x = _rows(cm, ROWS, seed=len(name))
    want = _tflm(tfl, x)
    for core in CORES:  # the M4's kernels and the RISC-V ports' own
        sim = Simulator(cm.blob, core)
        opt = sim.run(x, reference=False)[0]  # first: an output the optimised kernels leave unwritten shows
        ref = sim.run(x, reference=True)[0]
        assert_same(name, f"simulator ({core}) reference kernels vs TFLM", ref, want)
        assert_same(name, f"simulator ({core}) optimised kernels vs TFLM", opt, want)


def test_fully_connected_per_tensor_weights(models):
    """Per-tensor weights take TFLM's other FC path, whose multiplier is made from the float32
    product of the scales: the compiler must follow it there too."""
    import flatbuffers
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    for name in ("fc", "fc_relu_rows"):
        model = schema.ModelT.InitFromPackedBuf(bytearray(models[name][0]), 0)
        sg = model.subgraphs[0]
        fc = next(o for o in sg.operators if model.operatorCodes[o.opcodeIndex].builtinCode == 9)
        q = sg.tensors[fc.inputs[1]].quantization
        q.scale, q.zeroPoint, q.quantizedDimension = [float(np.max(q.scale)) * 1.37], [0], 0
        builder = flatbuffers.Builder(1024)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        tfl = bytes(builder.Output())
        cm = compile_tflite(tfl)
        x = _rows(cm, ROWS, seed=3)
        want = _tflm(tfl, x)
        for core in CORES:
            sim = Simulator(cm.blob, core)
            assert_same(name, f"per-tensor reference ({core}) vs TFLM", sim.run(x, reference=True)[0], want)
            assert_same(name, f"per-tensor optimised ({core}) vs TFLM", sim.run(x, reference=False)[0], want)


# ------------------------------------------------------------- malformed params


def _patch(blob: bytes, offset: int, fmt: str, value) -> bytes:
    b = bytearray(blob)
    struct.pack_into(fmt, b, offset, value)
    struct.pack_into("<I", b, 12, zlib.crc32(b[CRC_START:]))
    return bytes(b)


def _params(blob: bytes, code: int) -> int:
    return next(op.params_offset for op in read_blob(blob).ops if op.code == code)


def _field(at: int):
    """Locate a field of the params record."""
    return lambda blob, params: params + at


def _array(field: int, extra: int = 0):
    """Locate the first element of the blob array whose offset is in params field `field`."""
    return lambda blob, params: struct.unpack_from("<I", blob, params + field)[0] + extra


# (case, op code, locate(blob, params record offset) -> byte offset, struct format, new value or f(blob, old))
MUTATIONS = {
    "fc multiplier offset past the blob": ("fc", OpCode.FULLY_CONNECTED, _field(16), "<I", lambda b, old: len(b) + 64),
    "fc multiplier offset misaligned": ("fc", OpCode.FULLY_CONNECTED, _field(16), "<I", lambda b, old: old + 2),
    "fc negative multiplier": ("fc", OpCode.FULLY_CONNECTED, _array(16), "<i", -(1 << 30)),
    "fc shift beyond 30": ("fc", OpCode.FULLY_CONNECTED, _array(20), "<i", 31),
    "fc requant table disagrees": ("fc", OpCode.FULLY_CONNECTED, _array(28, 8), "<I", lambda b, old: old ^ 1),
    "fc act_max beyond int8": ("fc", OpCode.FULLY_CONNECTED, _field(12), "<i", 200),
    "fc output zero point beyond int8": ("fc", OpCode.FULLY_CONNECTED, _field(4), "<i", 1000),
    "conv stride 0": ("conv_same", OpCode.CONV_2D, _field(16), "<i", 0),
    "conv negative padding": ("conv_same", OpCode.CONV_2D, _field(36), "<i", -1),
    "conv folded bias out of the blob": ("conv_same", OpCode.CONV_2D, _field(48), "<I", lambda b, old: len(b)),
    "dw depth multiplier disagrees": ("dw_same", OpCode.DEPTHWISE_CONV_2D, _field(40), "<i", 2),
    "dw dilation 0": ("dw_same", OpCode.DEPTHWISE_CONV_2D, _field(24), "<i", 0),
    # the 1-D path (dw1d table) with a left padding past the kernel's reach: refused, not a negative-size copy
    "dw 1-D padding past the kernel": ("dw_1d_dilation2", OpCode.DEPTHWISE_CONV_2D, _field(36), "<i", 1000),
    "16x8 input offset": ("fc_16x8", OpCode.FULLY_CONNECTED, _field(0), "<i", 5),
    "16x8 shift beyond 7": ("fc_16x8", OpCode.FULLY_CONNECTED, _array(20), "<i", 8),
}  # fmt: skip


@pytest.mark.parametrize("what", MUTATIONS)
def test_malformed_params_are_rejected_at_load(models, what):
    case, code, locate, fmt, value = MUTATIONS[what]
    blob = models[case][1].blob
    Simulator(blob)  # the unmodified blob loads
    offset = locate(blob, _params(blob, code))
    old = struct.unpack_from(fmt, blob, offset)[0]
    bad = _patch(blob, offset, fmt, value(blob, old) if callable(value) else value)
    with pytest.raises(DeviceError) as exc:
        Simulator(bad)
    assert exc.value.status == Status.BAD_MODEL, what


# ---------------------------------------------------------------- the board


@pytest.mark.slow
@pytest.mark.parametrize("board", EMULATED_BOARDS)
def test_emulated_board_matches_simulator(models, board):
    from tests.conftest import open_board

    names = ["fc", "fc_relu6", "conv_1x1", "conv_same_strided", "conv_grouped", "dw_same", "dw_mult2_strided",
             "dw_1d_dilation2", "dw_1d_dilation4", "fc_16x8", "conv_16x8", "dw_16x8", "dw_3x3_odd_rows",
             "dw_dilated_phases_down", "dw_1d_dilated_phases_up", "dw_3x3_relu6", "dw_5x3",
             "dw_1d_dilation_past_width", "dw_large_bias", "dw_big_bias"]  # fmt: skip
    with open_board(board) as s:
        for name in names:
            _, cm = models[name]
            s.upload_model(cm.blob)
            x = _rows(cm, 4, seed=7)
            want = Simulator(cm.blob).run(x)[0].reshape(len(x), -1)
            for reference in (False, True):  # optimised first, as above
                for i, row in enumerate(x):
                    _, out = s.invoke(row.tobytes(), reference=reference)
                    got = np.frombuffer(out, dtype=cm.outputs[0].dtype)
                    assert_same(name, f"board ({'reference' if reference else 'optimised'}) row {i} vs simulator",
                                got, want[i])  # fmt: skip
