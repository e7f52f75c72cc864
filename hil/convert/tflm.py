"""Run a TFLite flatbuffer: in TFLM (the microcontroller interpreter) and in the TFLite reference kernels.

`run_tflm` runs `tflite_micro.runtime.Interpreter` in a child Python process: TFLM can crash
(an arena slightly too small, an unsupported graph) instead of raising, and a crash there becomes a
HilError here. `run_tflite_ref` uses tf.lite with the BUILTIN_REF kernels (XNNPACK is not bit-exact).
Both take one array per model input, in the flatbuffer's input order, each (N, *shape[1:]) or exactly
the input shape, and return one array per model output with the rows stacked. Rows run one after the
other in one interpreter (no reset between them). `model_info` reads inputs, outputs, quantization,
signatures and the op list straight from the flatbuffer, without TensorFlow.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hil.errors import ConfigError, HilError

_DTYPES = {0: np.float32, 2: np.int32, 3: np.uint8, 4: np.int64, 7: np.int16, 9: np.int8}
DEFAULT_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class TensorInfo:
    position: int  # index in the subgraph's input or output list (what set_input/get_output take)
    tensor: int  # tensor index in the subgraph
    name: str
    shape: tuple[int, ...]
    dtype: type
    scale: float  # 0.0 when not quantized
    zero_point: int


@dataclass(frozen=True)
class ModelInfo:
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    ops: list[str]  # builtin op names in execution order (subgraph 0)
    producers: dict[int, str] = field(default_factory=dict)  # tensor index -> op that writes it
    signature_inputs: dict[str, int] = field(default_factory=dict)  # signature name -> input position
    signature_outputs: dict[str, int] = field(default_factory=dict)  # signature name -> output position


def _schema():
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

    return fb


def _tensor_info(sg, position: int, tensor: int) -> TensorInfo:
    t = sg.Tensors(tensor)
    q = t.Quantization()
    scales = q.ScaleAsNumpy() if q is not None and q.ScaleLength() else np.zeros(1)
    zps = q.ZeroPointAsNumpy() if q is not None and q.ZeroPointLength() else np.zeros(1, np.int64)
    dtype = _DTYPES.get(t.Type())
    if dtype is None:
        raise ConfigError(f"tensor '{t.Name().decode()}': wanted a numeric type, got TFLite type {t.Type()}")
    shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
    return TensorInfo(position, tensor, t.Name().decode(), shape, dtype, float(scales[0]), int(zps[0]))


def model_info(tflite_bytes: bytes) -> ModelInfo:
    """Inputs, outputs, ops and signature of subgraph 0 of a TFLite flatbuffer."""
    buf = bytes(tflite_bytes)
    if len(buf) < 8 or buf[4:8] != b"TFL3":
        raise ConfigError(f"model: wanted a TFLite flatbuffer (identifier TFL3), got {len(buf)} bytes: {buf[:8]!r}...")
    fb = _schema()
    model = fb.Model.GetRootAsModel(buf, 0)
    sg = model.Subgraphs(0)
    inputs = [_tensor_info(sg, i, int(t)) for i, t in enumerate(sg.InputsAsNumpy())]
    outputs = [_tensor_info(sg, i, int(t)) for i, t in enumerate(sg.OutputsAsNumpy())]
    names = {v: k for k, v in vars(fb.BuiltinOperator).items() if not k.startswith("_")}
    ops, producers = [], {}
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        name = names.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()), "UNKNOWN")
        ops.append(name)
        for t in op.OutputsAsNumpy() if op.OutputsLength() else []:
            producers[int(t)] = name
    sig_in, sig_out = {}, {}
    if model.SignatureDefsLength():
        sig = model.SignatureDefs(0)
        pos_in = {x.tensor: x.position for x in inputs}
        pos_out = {x.tensor: x.position for x in outputs}
        for j in range(sig.InputsLength()):
            sig_in[sig.Inputs(j).Name().decode()] = pos_in[sig.Inputs(j).TensorIndex()]
        for j in range(sig.OutputsLength()):
            sig_out[sig.Outputs(j).Name().decode()] = pos_out[sig.Outputs(j).TensorIndex()]
    return ModelInfo(inputs, outputs, ops, producers, sig_in, sig_out)


def round_half_away(x: np.ndarray) -> np.ndarray:
    """Round to nearest, ties away from zero (TFLite's rounding)."""
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def quantize(x: np.ndarray, info: TensorInfo) -> np.ndarray:
    """Float values to the tensor's integer type (round to nearest, saturate)."""
    if not info.scale:
        return np.asarray(x, info.dtype)
    lim = np.iinfo(info.dtype)
    q = round_half_away(np.asarray(x, np.float64) / info.scale) + info.zero_point
    return np.clip(q, lim.min, lim.max).astype(info.dtype)


def dequantize(q: np.ndarray, info: TensorInfo) -> np.ndarray:
    if not info.scale:
        return np.asarray(q, np.float32)
    return ((np.asarray(q, np.float64) - info.zero_point) * info.scale).astype(np.float32)


def check_inputs(inputs: list[np.ndarray], infos: list[TensorInfo]) -> tuple[list[np.ndarray], int]:
    """Each input as (N, *shape[1:]) in the tensor's dtype; ConfigError naming what was wanted and got."""
    if len(inputs) != len(infos):
        raise ConfigError(f"inputs: wanted {len(infos)} arrays (one per model input), got {len(inputs)}")
    rows = []
    for arr, info in zip(inputs, infos):
        arr = np.asarray(arr)
        row_shape = info.shape[1:]
        if arr.shape == row_shape:
            arr = arr[None]
        if arr.ndim != len(info.shape) or arr.shape[1:] != row_shape:
            want = ", ".join(map(str, row_shape))
            raise ConfigError(f"input '{info.name}': wanted shape (N, {want}), got {arr.shape}")
        if arr.dtype != info.dtype:
            raise ConfigError(f"input '{info.name}': wanted dtype {np.dtype(info.dtype).name}, got {arr.dtype.name}")
        rows.append(arr)
    counts = {len(a) for a in rows}
    if len(counts) != 1:
        raise ConfigError(f"inputs: wanted the same number of rows in every input, got {[len(a) for a in rows]}")
    return rows, counts.pop()


class Runner:
    """One interpreter behind set(input position, array) / invoke() / get(output position)."""

    def __init__(self, set_input, invoke, get_output):
        self.set, self.invoke, self.get = set_input, invoke, get_output


def _run_rows(runner: Runner, info: ModelInfo, rows: list[np.ndarray]) -> list[np.ndarray]:
    outs = [[] for _ in info.outputs]
    for r in range(len(rows[0]) if rows else 1):
        for arr, t in zip(rows, info.inputs):
            runner.set(t.position, np.ascontiguousarray(arr[r].reshape(t.shape)))
        runner.invoke()
        for k, t in enumerate(info.outputs):
            outs[k].append(np.array(runner.get(t.position)).reshape(t.shape[1:]))
    return [np.stack(o) for o in outs]


def _run(runner: Runner, info: ModelInfo, mode: str, rows: list[np.ndarray]) -> list[np.ndarray]:
    if mode == "stream":  # a single-step recurrent model, its state fed back (hil.convert.streaming)
        from hil.convert.streaming import stream_loop

        return stream_loop(runner, info, rows[0])
    return _run_rows(runner, info, rows)


def ref_runner(tflite_bytes: bytes) -> Runner:
    """tf.lite with the BUILTIN_REF kernels (bit-exact reference; no XNNPACK)."""
    import warnings

    import tensorflow as tf

    info = model_info(tflite_bytes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        interp = tf.lite.Interpreter(
            model_content=bytes(tflite_bytes),
            experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF,
        )
    interp.allocate_tensors()
    return Runner(
        lambda pos, a: interp.set_tensor(info.inputs[pos].tensor, a),
        interp.invoke,
        lambda pos: interp.get_tensor(info.outputs[pos].tensor),
    )


def run_tflite_ref(tflite_bytes: bytes, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The model in tf.lite with the BUILTIN_REF kernels: the bit-exact reference."""
    info = model_info(tflite_bytes)
    rows, _ = check_inputs(inputs, info.inputs)
    return _run_rows(ref_runner(tflite_bytes), info, rows)


def _child_main(workdir: str) -> None:
    """Runs in the child process: model.tflite, inputs.npz, arena.txt, mode.txt -> outputs.npz or error.txt."""
    from tflite_micro.python.tflite_micro import runtime

    work = Path(workdir)
    try:
        model = (work / "model.tflite").read_bytes()
        info = model_info(model)
        with np.load(work / "inputs.npz") as z:
            rows = [z[f"in{i}"] for i in range(len(z.files))]
        interp = runtime.Interpreter.from_bytes(model, arena_size=int((work / "arena.txt").read_text()))
        runner = Runner(lambda pos, a: interp.set_input(a, pos), interp.invoke, interp.get_output)
        outs = _run(runner, info, (work / "mode.txt").read_text(), rows)
    except Exception as exc:  # reported to the parent as one line
        (work / "error.txt").write_text(f"{type(exc).__name__}: {' '.join(str(exc).split())}")
        sys.exit(2)
    np.savez(work / "outputs.npz", **{f"out{k}": o for k, o in enumerate(outs)})


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def run_tflm(
    tflite_bytes: bytes, inputs: list[np.ndarray], arena_bytes: int | None = None, timeout_s: float = DEFAULT_TIMEOUT_S
) -> list[np.ndarray]:
    """The model in TFLM, in a child process. arena_bytes defaults to max(64 KiB, 10 x model size)."""
    info = model_info(tflite_bytes)
    rows, _ = check_inputs(inputs, info.inputs)
    return spawn_tflm(tflite_bytes, rows, len(info.outputs), "rows", arena_bytes, timeout_s)


def spawn_tflm(
    tflite_bytes: bytes, rows: list[np.ndarray], n_out: int, mode: str, arena_bytes: int | None, timeout_s: float
) -> list[np.ndarray]:
    """Run `_run(mode)` on checked rows in a TFLM child process; its crash or hang becomes a HilError."""
    arena = arena_bytes if arena_bytes is not None else max(64 * 1024, 10 * len(tflite_bytes))
    with tempfile.TemporaryDirectory(prefix="hil-tflm-") as tmp:
        work = Path(tmp)
        (work / "model.tflite").write_bytes(bytes(tflite_bytes))
        (work / "arena.txt").write_text(str(arena))
        (work / "mode.txt").write_text(mode)
        np.savez(work / "inputs.npz", **{f"in{i}": a for i, a in enumerate(rows)})
        paths = [str(Path(__file__).resolve().parents[2]), os.environ.get("PYTHONPATH", "")]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in paths if p))
        code = "import sys; from hil.convert.tflm import _child_main; _child_main(sys.argv[1])"
        try:
            proc = subprocess.run(
                [sys.executable, "-c", code, tmp], capture_output=True, text=True, timeout=timeout_s, env=env
            )
        except subprocess.TimeoutExpired:
            raise HilError(f"TFLM: no result within {timeout_s:g} s (hung; arena {arena} bytes)") from None
        if (work / "error.txt").exists():
            raise HilError(f"TFLM: {(work / 'error.txt').read_text()} (arena {arena} bytes)")
        if proc.returncode < 0:
            sig = signal.Signals(-proc.returncode).name
            detail = _last_line(proc.stderr)
            raise HilError(f"TFLM crashed with {sig} (arena {arena} bytes){': ' + detail if detail else ''}")
        if proc.returncode != 0 or not (work / "outputs.npz").exists():
            why = _last_line(proc.stderr) or "no message"
            raise HilError(f"TFLM: child exited with status {proc.returncode}: {why}")
        with np.load(work / "outputs.npz") as z:
            return [z[f"out{k}"] for k in range(n_out)]
