"""A .tflite through `hil compile`'s code path: the flatbuffer reader, the graph checks, every op encoder
and the blob writer. A corrupt or inconsistent model must come out as a ModelError, never as anything else."""

from hil.compile.compiler import compile_tflite
from hil.compile.ops import supported_ops
from hil.errors import HilError

supported_ops()  # imports every op encoder now, while the runner instruments imports (they load lazily)


def seeds() -> dict[str, bytes]:
    from tests.graphs import keras_dense_tflite, small_graphs, to_tflite

    named = {"mlp": {0: "features"}, "elementwise": {0: "state_0", 1: "features"}}
    out = {f"{name}.tflite": to_tflite(g, named.get(name)) for name, g in small_graphs().items()}
    out["keras_dense.tflite"] = keras_dense_tflite()  # TensorFlow's own layout: metadata, signature, no bias
    return out


def one_input(data: bytes) -> None:
    try:
        compile_tflite(data)
    except HilError:
        pass
