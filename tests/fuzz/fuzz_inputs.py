"""`hil run --input`: the bytes as an .npy/.npz file through hil.run.inputs.load_inputs, against
fixed models of one and two inputs (int8, int16, float32). Only HilErrors may come out."""

import io
import tempfile
from pathlib import Path

import numpy as np

from hil.compile.compiler import IoSpec
from hil.errors import HilError
from hil.run.inputs import load_inputs

MODELS = [
    [IoSpec("serving_default_features:0", "int8", (1, 8), 0.05, 3, "features")],
    [IoSpec("serving_default_state_0:0", "int8", (1, 4), 0.1, 0, "state_0"),
     IoSpec("serving_default_features:0", "int16", (1, 3), 0.001, 0, "features")],
    [IoSpec("x", "float32", (2, 3), 0.0, 0)],
]  # fmt: skip
_DIR = Path(tempfile.mkdtemp(prefix="hil-fuzz-inputs-"))


def _npy(a) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def _npz(compressed=False, **arrays) -> bytes:
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **arrays)
    return buf.getvalue()


def seeds() -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    return {
        "floats.npy": _npy(rng.normal(size=(3, 8)).astype(np.float32)),
        "int8.npy": _npy(rng.integers(-128, 128, size=(2, 1, 8), dtype=np.int8)),
        "float64_one_row.npy": _npy(rng.normal(size=6)),
        "features.npz": _npz(features=rng.normal(size=(2, 8)).astype(np.float32)),
        "signature_names.npz": _npz(state_0=rng.normal(size=(2, 4)).astype(np.float32),
                                    features=rng.integers(-300, 300, size=(2, 3), dtype=np.int16)),
        "positional.npz": _npz(True, input_0=np.zeros((1, 4), np.int8), input_1=np.ones((1, 3), np.float32)),
    }  # fmt: skip


def one_input(data: bytes) -> None:
    path = _DIR / "x.npy"
    path.write_bytes(data)
    for specs in MODELS:
        try:
            load_inputs(path, specs)
        except HilError:
            pass
