"""Damaged and inconsistent model files (.tflite, .hilm): every fault is one ModelError line
saying what was wanted and what was got, never a Python exception from deep inside a reader (issue 9)."""

import math
import random
import struct
import zlib

import numpy as np
import pytest
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from hil.compile.blob import read_blob
from hil.compile.compiler import compile_graph, compile_tflite, from_blob
from hil.compile.synth import conv2d
from hil.errors import HilError, ModelError
from hil.convert.mpgru_surgery import load, serialize
from tests.graphs import mlp_graph, mlp_model, mlp_tflite, quantize_graph, small_graphs

# The small MLP's tensors: 0 input (1, 8), 1 w0 (16, 8), 2 b0, 3 act0 (1, 16), 4 w1 (4, 16), 5 b1, 6 act1 (1, 4);
# node 0: FC [0, 1, 2] -> [3], node 1: FC [3, 4, 5] -> [6].
MLP = mlp_tflite()


def _edited(edit) -> bytes:
    model = load(MLP)
    edit(model.subgraphs[0])
    return serialize(model)


def _set(obj, **fields):
    for k, v in fields.items():
        setattr(obj, k, v)


def _op(i: int, **fields):
    return lambda sg: _set(sg.operators[i], **fields)


def _tensor(i: int, **fields):
    return lambda sg: _set(sg.tensors[i], **fields)


def _quant(i: int, **fields):
    return lambda sg: _set(sg.tensors[i].quantization, **fields)


FC0, FC1 = r"node 0 \(FULLY_CONNECTED\)", r"node 1 \(FULLY_CONNECTED\)"
ACT0, W0 = r"tensor 3 \('act0'\)", r"tensor 1 \('w0'\)"
TFLITE_FAULTS = {
    "op input index": (lambda sg: sg.operators[1].inputs.__setitem__(1, 99),
                       FC1 + r": input 1: wanted a tensor index in -1\.\.6, got 99"),
    "op output index": (_op(0, outputs=[-1]), FC0 + r": output 0: wanted a tensor index in 0\.\.6, got -1"),
    "model input index": (lambda sg: sg.inputs.__setitem__(0, 7),
                          r"model input 0: wanted a tensor index in 0\.\.6, got 7"),
    "buffer vs shape": (_tensor(1, shape=[16, 9]), W0 + r": int8\[16, 9\] wants 144 bytes of data, buffer 1 holds 128"),
    "buffer index": (_tensor(1, buffer=50), W0 + r": wanted a buffer index below 5, got 50"),
    "dynamic shape": (_tensor(3, shape=[-1, 16]), ACT0 + r": wanted a fixed shape, got \[-1, 16\]"),
    "absurd shape": (_tensor(3, shape=[1 << 20, 1 << 12]),
                     ACT0 + r": int8\[1048576, 4096\] is 4,294,967,296 bytes; hil handles tensors up to"),
    "options missing": (_op(0, builtinOptionsType=0, builtinOptions=None),
                        FC0 + r": wanted FullyConnectedOptions, got none"),
    "options of another op": (_op(0, builtinOptionsType=schema.BuiltinOptions.Conv2DOptions,
                                  builtinOptions=schema.Conv2DOptionsT()),
                              FC0 + r": wanted FullyConnectedOptions, got Conv2DOptions"),
    "too few inputs": (_op(0, inputs=[0]), FC0 + r": wanted 2\.\.3 inputs, got 1"),
    "nan scale": (_quant(3, scale=[math.nan]), ACT0 + r": wanted quantisation scales in \[1e-30, 1e\+30\], got nan"),
    "zero point count": (_quant(3, zeroPoint=[]), r"wanted one zero point per scale, got 1 scales and 0 zero points"),
    "zero point range": (_quant(3, zeroPoint=[300]),
                         ACT0 + r": wanted int8 zero points in \[-128, 127\], got 300\.\.300"),
    "per-channel axis": (_quant(1, quantizedDimension=5),
                         W0 + r": 16 per-channel scales along axis 5 do not fit shape \[16, 8\]"),
    "opcode index": (_op(0, opcodeIndex=7), r"node 0: wanted an operator code index below 1, got 7"),
    "order": (lambda sg: sg.operators.reverse(), FC0 + r" reads tensor 3 \('act0'\), which no earlier node writes"),
    "writes a constant": (_op(1, outputs=[4]), FC1 + r" writes tensor 4 \('w1'\), a constant"),
    "output never written": (lambda sg: sg.operators.pop(), r"model output tensor 6 \('act1'\) is written by no node"),
}


@pytest.mark.parametrize("fault", TFLITE_FAULTS)
def test_inconsistent_tflite_is_one_model_error(fault):
    edit, message = TFLITE_FAULTS[fault]
    with pytest.raises(ModelError, match=message) as err:
        compile_tflite(_edited(edit))
    assert "\n" not in str(err.value)


def test_names_that_are_not_utf8_are_only_labels():
    model = compile_tflite(_edited(_tensor(0, name=b"in\xff\xfe")))
    assert model.inputs[0].name == "in\ufffd\ufffd" and model.inputs[0].signature_name == "features"


def _split_on_two_axes(g):
    g.tensors[3].data, g.tensors[3].shape = np.array([1, 1], np.int32), (2,)


def _dilated_beyond_int32(g):
    g.ops[0].options.dilationHFactor = (1 << 31) - 1


GRAPH_FAULTS = {
    "empty computed tensor": (mlp_graph, lambda g: setattr(g.tensors[3], "shape", (1, 0)),
                              r"tensor 3 \('act0'\): wanted a computed tensor with every dimension >= 1, got \[1, 0\]"),
    "split on two axes": (quantize_graph, _split_on_two_axes, r"node 2 \(SPLIT\): wanted one axis, got 2 values"),
    "dilation beyond int32": (lambda: conv2d(4, 4, 2, 3, k=(3, 3)), _dilated_beyond_int32,
                              r"node 0 \(CONV_2D\): kernel 3 at stride 1, dilation 2147483647 spans 4,294,967,298 "
                              r"pixels; TFLM computes the padding in int32"),
}  # fmt: skip


@pytest.mark.parametrize("fault", GRAPH_FAULTS)
def test_inconsistent_graph_is_one_model_error(fault):
    make, edit, message = GRAPH_FAULTS[fault]
    graph = make()
    edit(graph)
    with pytest.raises(ModelError, match=message):
        compile_graph(graph)


def _random_edit(g, rng: random.Random) -> None:
    """One structural change of the kind a damaged or hand-edited model carries."""
    t, op, kind = rng.choice(g.tensors), rng.choice(g.ops), rng.randrange(5)
    if kind == 0 and t.shape:
        t.shape = tuple(rng.choice([0, 1, 2, 3, 8, 1 << 20]) if rng.random() < 0.5 else d for d in t.shape)
    elif kind == 1:
        t.dtype = rng.choice(["int8", "int16", "int32", "float32", "uint8", "int64"])
    elif kind == 2 and t.scale.size:
        t.scale, t.quantized_dimension = t.scale * np.float32(rng.choice([1e-6, 1e6, 0.5])), rng.randrange(4)
    elif kind == 3 and op.inputs:
        op.inputs[rng.randrange(len(op.inputs))] = rng.randrange(-1, len(g.tensors))
    elif kind == 4 and op.options is not None and vars(op.options):
        field = rng.choice(sorted(vars(op.options)))
        if isinstance(getattr(op.options, field), int):
            setattr(op.options, field, rng.choice([0, -1, 2, 7, (1 << 31) - 1]))


def test_random_structural_edits_raise_only_model_errors():
    """Graphs that parse but are inconsistent (what byte mutations seldom reach): the encoders never see an
    index out of range, an empty or absurd shape, or options of the wrong kind."""
    rng, others = random.Random(4), []
    for _ in range(1500):
        name, graph = rng.choice(sorted(small_graphs().items()))
        for _ in range(rng.randrange(1, 4)):
            _random_edit(graph, rng)
        try:
            compile_graph(graph)
        except HilError:
            pass
        except Exception as exc:  # noqa: BLE001 - the finding this test looks for
            others.append(f"{name}: {type(exc).__name__}: {exc}")
    assert not others, f"{len(others)} of 1500 edited graphs raised non-HilErrors, e.g. {others[:3]}"


def test_more_macs_than_the_blob_records_is_a_model_error():
    with pytest.raises(ModelError, match=r"node 0 \(CONV_2D\): 38,654,705,664 MACs; the blob records up to "
                                         r"4,294,967,295"):  # fmt: skip
        compile_graph(conv2d(1024, 1024, 64, 64, k=(3, 3)))


def test_random_mutations_of_an_int8_tflite_raise_only_model_errors(fc_tflite):
    """The issue's experiment, seeded and smaller: byte mutations of a TensorFlow-converted int8 model through
    `hil compile`'s code path (250 of 3,000 raised UnicodeDecodeError, IndexError, struct.error, ...)."""
    data, rng = fc_tflite.read_bytes(), random.Random(9)
    outcomes, others = {"compiled": 0, "refused": 0}, []
    for _ in range(400):
        b = bytearray(data)
        for _ in range(rng.randrange(1, 9)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        try:
            compile_tflite(bytes(b))
            outcomes["compiled"] += 1
        except HilError as exc:
            assert "\n" not in str(exc)
            outcomes["refused"] += 1
        except Exception as exc:  # noqa: BLE001 - the finding this test looks for
            others.append(f"{type(exc).__name__}: {exc}")
    assert not others, f"{len(others)} of 400 mutations raised non-HilErrors, e.g. {others[:3]}"
    assert outcomes["compiled"] > 0 and outcomes["refused"] > 0, outcomes


# ---------------------------------------------------------------- .hilm


def _blob_with(offset: int, fmt: str, value) -> bytes:
    """The small MLP's blob with one field changed and its CRC fixed up (so only structure checks can catch it)."""
    b = bytearray(mlp_model((8, 16, 4)).blob)
    struct.pack_into(fmt, b, offset, value)
    struct.pack_into("<I", b, 12, zlib.crc32(b[16:]))
    return bytes(b)


T0 = read_blob(mlp_model((8, 16, 4)).blob).header["tensors_offset"]  # tensor 0 is the model input
BLOB_FAULTS = {
    "dtype 238": (T0, "<B", 238, r"tensor 0: wanted a dtype code in \[0, 1, 2, 3, 4, 5\], got 238"),
    "tensor count": (20, "<I", 10**6,
                     r"tensor table \(1,000,000 x 40 bytes at [\d,]+\) wanted inside the blob's 64\.\.[\d,]+"),
    "too few tensors": (20, "<I", 1, r"model output \d+: wanted a tensor in the arena \(of 1\), got no such tensor"),
    "ndim": (T0 + 1, "<B", 9, r"tensor 0: wanted up to 4 dimensions in the arena or the blob, got 9 dimensions"),
    "negative dim": (T0 + 4, "<i", -5, r"tensor 0: int8\[-5, 8\] wants -40 bytes .* the record says 8 bytes"),
    "nan scale": (T0 + 28, "<f", math.nan, r"tensor 0: .* a finite scale >= 0, the record says 8 bytes, scale nan"),
    "op table": (32, "<I", 1 << 31, r"op table \(2 x 16 bytes at 2,147,483,648\) wanted inside"),
    "input list": (40, "<I", 10, r"inputs table \(1 x 2 bytes at 10\) wanted inside"),
}  # fmt: skip


@pytest.mark.parametrize("fault", BLOB_FAULTS)
def test_damaged_hilm_with_a_valid_crc_is_one_model_error(fault):
    offset, fmt, value, message = BLOB_FAULTS[fault]
    with pytest.raises(ModelError, match=message):
        from_blob(_blob_with(offset, fmt, value), "m.hilm")


def test_random_hilm_damage_behind_a_valid_crc_raises_only_model_errors():
    blob, rng, refused = mlp_model((8, 16, 4)).blob, random.Random(3), 0
    for _ in range(500):
        b = bytearray(blob)
        for _ in range(rng.randrange(1, 6)):
            b[rng.randrange(16, len(b))] = rng.randrange(256)
        struct.pack_into("<I", b, 12, zlib.crc32(b[16:]))
        try:
            model = from_blob(bytes(b))
            sum(s.nbytes for s in model.inputs + model.outputs)
        except ModelError:
            refused += 1
    assert refused > 0
