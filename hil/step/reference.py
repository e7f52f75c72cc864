"""The golden references: a TFLite flatbuffer in TFLM (the microcontroller interpreter) and in the
TFLite reference kernels.

`run_tflm` runs `tflite_micro.runtime.Interpreter` in a child Python process: TFLM can crash
(an arena slightly too small, an unsupported graph) instead of raising, and a crash there becomes a
HilError here. `run_tflite_ref` uses tf.lite with the BUILTIN_REF kernels (XNNPACK is not bit-exact).
Both take one array per model input, in the flatbuffer's input order, each (N, *shape[1:]) or exactly
the input shape, and return one array per model output with the rows stacked. Rows run one after the
other in one interpreter (no reset between them).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from hil.compile.model_info import ModelInfo, model_info
from hil.errors import HilError
from hil.step.loop import Runner, check_inputs, run_rows, stream_loop

DEFAULT_TIMEOUT_S = 120.0


def _run(runner: Runner, info: ModelInfo, mode: str, rows: list[np.ndarray]) -> list[np.ndarray]:
    if mode == "stream":  # a single-step recurrent model, its state fed back
        return stream_loop(runner, info, rows[0])
    return run_rows(runner, info, rows)


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
    return run_rows(ref_runner(tflite_bytes), info, rows)


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
        code = "import sys; from hil.step.reference import _child_main; _child_main(sys.argv[1])"
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
