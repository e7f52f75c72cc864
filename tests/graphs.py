"""Test models from seeded synthetic graphs (hil.compile.synth), no TensorFlow needed, and a writer
that turns such a graph into a .tflite flatbuffer (the schema's object API) for the reader's tests."""

from __future__ import annotations

import flatbuffers
import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from hil.compile.compiler import CompiledModel, compile_graph
from hil.compile.synth import mlp
from hil.compile.tflite import Graph, Op, Tensor

_TYPES = {name: getattr(schema.TensorType, name.upper())
          for name in ("float32", "int8", "int16", "int32", "uint8", "int64")}  # fmt: skip


def mlp_graph(dims=(40, 64, 10), seed=0):
    return mlp(dims, seed)


def mlp_model(dims=(40, 64, 10), seed=0) -> CompiledModel:
    return compile_graph(mlp(dims, seed))


MLP_DIMS = (8, 16, 4)


def mlp_tflite() -> bytes:
    """A small MLP (8 -> 16 -> 4) as a .tflite whose input the SignatureDef names 'features'."""
    return to_tflite(mlp(MLP_DIMS, seed=1), {0: "features"})


class _Tensors(list):
    def add(self, name, dtype, shape, scale=(), zp=(), data=None) -> int:
        data = None if data is None else np.asarray(data, dtype=dtype).reshape(shape)
        self.append(Tensor(len(self), name, dtype, tuple(shape), np.asarray(scale, np.float32),
                           np.asarray(zp, np.int64), 0, data))  # fmt: skip
        return len(self) - 1


def _graph(tensors, ops, inputs, outputs, label) -> Graph:
    graph = Graph(list(tensors), [Op(i, *o) for i, o in enumerate(ops)], inputs, outputs, label)
    for op in graph.ops:
        for t in op.inputs:
            graph.consumers.setdefault(t, []).append(op.index)
    return graph


def elementwise_graph() -> Graph:
    """Two int8 inputs through ADD, MUL, LOGISTIC, TANH, RELU, SOFTMAX, CONCATENATION, RESHAPE,
    STRIDED_SLICE and MEAN, with the quantisation TFLM requires of each."""
    t, act, s = _Tensors(), 1.0 / 256, schema
    a, b = t.add("a", "int8", (1, 8), [0.05], [3]), t.add("b", "int8", (1, 8), [0.04], [-2])
    added, prod = t.add("added", "int8", (1, 8), [0.08], [0]), t.add("prod", "int8", (1, 8), [0.1], [1])
    sig, tanh = t.add("sig", "int8", (1, 8), [act], [-128]), t.add("tanh", "int8", (1, 8), [1 / 128], [0])
    relu, soft = t.add("relu", "int8", (1, 8), [0.1], [-128]), t.add("soft", "int8", (1, 8), [act], [-128])
    cat, shaped = t.add("cat", "int8", (1, 16), [act], [-128]), t.add("shaped", "int8", (2, 8), [act], [-128])
    sliced, mean = t.add("sliced", "int8", (2, 4), [act], [-128]), t.add("mean", "int8", (2, 1), [act], [-128])
    new_shape, axis = t.add("new_shape", "int32", (2,), data=[2, 8]), t.add("axis", "int32", (1,), data=[1])
    begin, end = t.add("begin", "int32", (2,), data=[0, 0]), t.add("end", "int32", (2,), data=[2, 8])
    strides = t.add("strides", "int32", (2,), data=[1, 2])
    cat_o, ss_o, soft_o = s.ConcatenationOptionsT(), s.StridedSliceOptionsT(), s.SoftmaxOptionsT()
    cat_o.axis, soft_o.beta = 1, 1.0
    ops = [("ADD", [a, b], [added], s.AddOptionsT()), ("MUL", [added, b], [prod], s.MulOptionsT()),
           ("LOGISTIC", [prod], [sig]), ("TANH", [added], [tanh]), ("RELU", [prod], [relu]),
           ("SOFTMAX", [tanh], [soft], soft_o), ("CONCATENATION", [sig, sig], [cat], cat_o),
           ("RESHAPE", [cat, new_shape], [shaped]), ("STRIDED_SLICE", [shaped, begin, end, strides], [sliced], ss_o),
           ("MEAN", [sliced, axis], [mean])]  # fmt: skip
    return _graph(t, ops, [a, b], [mean, soft, relu], "<elementwise synth>")


def quantize_graph() -> Graph:
    """float32 in, QUANTIZE, RELU6, SPLIT, DEQUANTIZE: float32 out."""
    t = _Tensors()
    x, q = t.add("x", "float32", (1, 6)), t.add("q", "int8", (1, 6), [0.05], [-3])
    r6, axis = t.add("r6", "int8", (1, 6), [0.05], [-3]), t.add("axis", "int32", (), data=1)
    h0, h1 = t.add("h0", "int8", (1, 3), [0.05], [-3]), t.add("h1", "int8", (1, 3), [0.05], [-3])
    y = t.add("y", "float32", (1, 3))
    split = schema.SplitOptionsT()
    split.numSplits = 2
    ops = [("QUANTIZE", [x], [q]), ("RELU6", [q], [r6]), ("SPLIT", [axis, r6], [h0, h1], split),
           ("DEQUANTIZE", [h1], [y])]  # fmt: skip
    return _graph(t, ops, [x], [h0, y], "<quantize synth>")


def one_op(name, dtype, in_shapes, out_shapes, options=None, consts=(), quant=(0.05, 3), seed=0) -> Graph:
    """One op on computed inputs of in_shapes (quantised alike; the int8 zero point from quant, int16's 0) and
    constant inputs `consts` ((dtype, shape, values or None for random, (scales, zero points)) each)."""
    t, rng = _Tensors(), np.random.default_rng(seed)
    scale, zp = quant if dtype == "int8" else (quant[0] / 256, 0)
    ins = [t.add(f"x{k}", dtype, s, [scale], [zp]) for k, s in enumerate(in_shapes)]
    for k, (c_dtype, shape, values, q) in enumerate(consts):
        data = values if values is not None else rng.integers(-100, 100, size=shape)
        ins.append(t.add(f"c{k}", c_dtype, shape, *q, data=data))
    outs = [t.add(f"y{k}", dtype, s, [scale], [zp]) for k, s in enumerate(out_shapes)]
    return _graph(t, [(name, ins, outs, options)], ins[: len(in_shapes)], outs, f"<{name.lower()} synth>")


def op_options(kind, **fields):
    o = getattr(schema, f"{kind}OptionsT")()
    for k, v in fields.items():
        setattr(o, k, v)
    return o


def layer_graphs(dtype: str = "int8") -> dict[str, Graph]:
    """One small graph per op record the Keras layers add (PRELU ... REDUCE_MAX), in int8 or int16 (HARD_SWISH:
    int8 only, as in TFLM)."""
    i32 = lambda shape, v: ("int32", shape, v, ((), ()))  # noqa: E731
    alpha = ("int8", (1, 1, 4), None, ([0.01], [-5]))
    graphs = {
        "prelu": one_op("PRELU", dtype, [(1, 6, 4)], [(1, 6, 4)], consts=[alpha]),
        "leaky-relu": one_op("LEAKY_RELU", dtype, [(1, 6, 4)], [(1, 6, 4)], op_options("LeakyRelu", alpha=-0.3)),
        "maximum": one_op("MAXIMUM", dtype, [(1, 3, 4), (1, 4)], [(1, 3, 4)]),
        "minimum": one_op("MINIMUM", dtype, [(1, 3, 4), (1, 3, 1)], [(1, 3, 4)]),
        "transpose": one_op("TRANSPOSE", dtype, [(1, 3, 5, 2)], [(1, 2, 3, 5)], consts=[i32((4,), [0, 3, 1, 2])]),
        "tile": one_op("TILE", dtype, [(1, 3, 1, 2)], [(1, 3, 4, 2)], consts=[i32((4,), [1, 1, 4, 1])]),
        "pack": one_op("PACK", dtype, [(1, 3)] * 3, [(1, 3, 3)], op_options("Pack", valuesCount=3, axis=2)),
        "unpack": one_op("UNPACK", dtype, [(1, 2, 5)], [(1, 5)] * 2, op_options("Unpack", num=2, axis=1)),
        "resize-nearest": one_op("RESIZE_NEAREST_NEIGHBOR", dtype, [(1, 3, 4, 2)], [(1, 7, 5, 2)],
                                  op_options("ResizeNearestNeighbor", halfPixelCenters=True), [i32((2,), [7, 5])]),
        "reduce-max": one_op("REDUCE_MAX", dtype, [(1, 4, 3, 2)], [(1, 3)], op_options("Reducer", keepDims=False),
                              [i32((2,), [1, 3])]),
    }  # fmt: skip
    if dtype == "int8":
        graphs["hard-swish"] = one_op("HARD_SWISH", dtype, [(1, 6, 4)], [(1, 6, 4)], quant=(0.04, -20))
    return graphs


def fast_path_graphs() -> dict[str, Graph]:
    """The ops with optimised paths of their own beyond the MAC kernels: the int8 tables (LOGISTIC, TANH, RELU,
    int8 QUANTIZE; int16 LOGISTIC and TANH carry none), int8 ADD/SUB/MUL with and without broadcasting, and
    chains of cheap ops."""
    from hil.compile import synth

    quantize = one_op("QUANTIZE", "int8", [(1, 12)], [(1, 12)])
    quantize.tensors[quantize.outputs[0]].scale[:] = 0.09
    tables = {f"{kind.lower()}-{dtype}": synth.activation(kind, 24, dtype)
              for kind in ("LOGISTIC", "TANH") for dtype in ("int8", "int16")}  # fmt: skip
    return tables | {
        "relu-int8": one_op("RELU", "int8", [(1, 12)], [(1, 12)]),
        "quantize-int8-int8": quantize,
        "add-int8-per-channel": synth.binary("ADD", (1, 4, 8), (8,)),
        "sub-int8-1x19": synth.binary("SUB", (1, 19), (1, 19)),
        "mul-int8-per-channel": synth.binary("MUL", (1, 4, 8), (8,)),
        "mul-int8-scalar": synth.binary("MUL", (1, 13), (1,)),
        "add-int16-1x16": synth.binary("ADD", (1, 16), (1, 16), "int16"),
        "chain-8-add": synth.chain("ADD", 8),
        "chain-8-reshape": synth.chain("RESHAPE", 8),
    }


def layer_chain_graph() -> Graph:
    """The Keras layers' ops in one int8 chain, quantised alike: PRELU, LEAKY_RELU, HARD_SWISH, MAXIMUM,
    TRANSPOSE, TILE, PACK, UNPACK, MINIMUM, RESIZE_NEAREST_NEIGHBOR, REDUCE_MAX."""
    t, q = _Tensors(), ([0.05], [3])
    x, alpha = t.add("x", "int8", (1, 4, 3), *q), t.add("alpha", "int8", (1, 1, 3), [0.02], [0], data=[5, -40, 90])
    a, b, c, d = (t.add(n, "int8", (1, 4, 3), *q) for n in ("prelu", "leaky", "hswish", "max"))
    e, f = t.add("transposed", "int8", (1, 3, 4), *q), t.add("tiled", "int8", (1, 3, 8), *q)
    p, r = t.add("packed", "int8", (1, 2, 3, 8), *q), t.add("resized", "int8", (1, 4, 5, 8), *q)
    u0, u1, m = (t.add(n, "int8", (1, 3, 8), *q) for n in ("u0", "u1", "min"))
    y = t.add("y", "int8", (1, 8), *q)
    ints = {k: t.add(k, "int32", (len(v),), data=v) for k, v in
            (("perm", [0, 2, 1]), ("mult", [1, 1, 2]), ("size", [4, 5]), ("axes", [1, 2]))}  # fmt: skip
    ops = [("PRELU", [x, alpha], [a]), ("LEAKY_RELU", [a], [b], op_options("LeakyRelu", alpha=0.1)),
           ("HARD_SWISH", [b], [c]), ("MAXIMUM", [c, x], [d]), ("TRANSPOSE", [d, ints["perm"]], [e]),
           ("TILE", [e, ints["mult"]], [f]), ("PACK", [f, f], [p], op_options("Pack", valuesCount=2, axis=1)),
           ("UNPACK", [p], [u0, u1], op_options("Unpack", num=2, axis=1)), ("MINIMUM", [u0, u1], [m]),
           ("RESIZE_NEAREST_NEIGHBOR", [p, ints["size"]], [r], op_options("ResizeNearestNeighbor")),
           ("REDUCE_MAX", [r, ints["axes"]], [y], op_options("Reducer", keepDims=False))]  # fmt: skip
    return _graph(t, ops, [x], [y, m], "<layers synth>")


def small_graphs() -> dict[str, Graph]:
    """One small graph per op family the compiler encodes (a few KB each as .tflite)."""
    from hil.compile.synth import conv2d, depthwise, pad, pool2d
    from hil.compile import synth_mpgru as mp
    from hil.compile.synth_gru import gru_step
    from hil.mpgru.genome import uniform_genome

    return {
        "mlp": mlp(MLP_DIMS, seed=1),
        "elementwise": elementwise_graph(),
        "quantize": quantize_graph(),
        "conv": conv2d(4, 4, 2, 3, k=(3, 3)),
        "depthwise": depthwise(1, 6, 4),
        "mp_gru": mp.mp_graph(mp.random_layer(4, 4, uniform_genome(4))),
        "gru_step": gru_step(4, (3, 2), (True, False)),  # fused into GRU_STEP_S8 ops
        "average_pool": pool2d(5, 6, 4, k=(3, 3), same=True, activation=1),
        "max_pool": pool2d(5, 6, 4, k=(2, 3), stride=(1, 2), kind="MAX_POOL_2D"),
        "pad": pad((1, 4, 3), [(0, 0), (1, 2), (2, 0)], value=-3),
        "layer_chain": layer_chain_graph(),
    }


def keras_dense_tflite() -> bytes:
    """A small dense Keras model (40 -> 64 relu -> 10) converted by TensorFlow to full-integer int8 (seeded)."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential(
        [tf.keras.Input((40,)), tf.keras.layers.Dense(64, activation="relu"), tf.keras.layers.Dense(10)]
    )
    calib = np.random.default_rng(0).normal(size=(100, 40)).astype(np.float32)
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([row[None]] for row in calib)
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = conv.inference_output_type = tf.int8
    return conv.convert()


def _quantization(t: Tensor):
    if not t.scale.size:
        return None
    q = schema.QuantizationParametersT()
    q.scale, q.zeroPoint, q.quantizedDimension = t.scale.tolist(), t.zero_point.tolist(), t.quantized_dimension
    return q


def _tensor_t(t: Tensor, buffer: int) -> schema.TensorT:
    out = schema.TensorT()
    out.name, out.type, out.shape, out.buffer = t.name.encode(), _TYPES[t.dtype], list(t.shape), buffer
    out.quantization = _quantization(t)
    return out


def _opcode(name: str) -> schema.OperatorCodeT:
    code = schema.OperatorCodeT()
    builtin = getattr(schema.BuiltinOperator, name, None)
    code.builtinCode = schema.BuiltinOperator.CUSTOM if builtin is None else builtin
    code.deprecatedBuiltinCode = min(code.builtinCode, schema.BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES)
    code.customCode = name.encode() if builtin is None else None
    code.version = 1
    return code


def _operator(op: Op, opcode: int) -> schema.OperatorT:
    out = schema.OperatorT()
    out.opcodeIndex, out.inputs, out.outputs = opcode, list(op.inputs), list(op.outputs)
    if op.options is not None:
        out.builtinOptions = op.options
        out.builtinOptionsType = getattr(schema.BuiltinOptions, type(op.options).__name__.removesuffix("T"))
    if op.custom_options:
        out.customOptions = list(op.custom_options)
    return out


def _signature(graph: Graph, names: dict[int, str]) -> schema.SignatureDefT:
    def maps(indices):
        out = []
        for i in indices:
            m = schema.TensorMapT()
            m.name, m.tensorIndex = names.get(i, graph.tensors[i].name).encode(), i
            out.append(m)
        return out

    sig = schema.SignatureDefT()
    sig.signatureKey, sig.subgraphIndex = b"serving_default", 0
    sig.inputs, sig.outputs = maps(graph.inputs), maps(graph.outputs)
    return sig


def to_tflite(graph: Graph, names: dict[int, str] | None = None) -> bytes:
    """The graph as a .tflite with a serving_default SignatureDef; `names` renames tensors in it
    (tensor index -> signature name), as the converter names inputs after the Keras inputs."""
    model, sg = schema.ModelT(), schema.SubGraphT()
    model.version, model.buffers = 3, [schema.BufferT()]
    sg.tensors = []
    for t in graph.tensors:
        if t.data is not None:
            model.buffers.append(schema.BufferT())
            model.buffers[-1].data = list(np.ascontiguousarray(t.data).view(np.uint8).reshape(-1))
        sg.tensors.append(_tensor_t(t, len(model.buffers) - 1 if t.data is not None else 0))
    codes = list(dict.fromkeys(op.name for op in graph.ops))
    model.operatorCodes = [_opcode(n) for n in codes]
    sg.operators = [_operator(op, codes.index(op.name)) for op in graph.ops]
    sg.inputs, sg.outputs, sg.name = list(graph.inputs), list(graph.outputs), b"main"
    model.subgraphs, model.signatureDefs = [sg], [_signature(graph, names or {})]
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())
