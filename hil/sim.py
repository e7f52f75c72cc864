"""The bit-exact host simulator: the firmware's C runtime, loaded through ctypes.

The library holds one model at a time (as a board does); a Simulator reloads
its blob whenever another one was loaded since. It runs a core's kernel sets
(CORES): by default the Cortex-M4's (its _m4 kernels in their portable C
form, every op optimised), or the RISC-V ports' (`core="rv32imc"`: their
RV32-tuned kernels and kernel_sets/rv32.c), a library of its own."""

from __future__ import annotations

import ctypes
from functools import cache

import numpy as np

from hil.compile.blob import read_blob
from hil.compile.io import join_inputs, split_outputs
from hil.errors import ConfigError, DeviceError
from hil.link.protocol import MAX_PAYLOAD, Status
from hil.targets import firmware

REFERENCE_KERNELS = 0x01
# A board's core (boards/*.yaml `core`) -> the firmware target of the simulator library with its kernel sets.
CORES = {"cortex-m4f": "sim", "rv32imc": "sim-rv32"}
DEFAULT_CORE = "cortex-m4f"


@cache
def _lib(core: str = DEFAULT_CORE) -> ctypes.CDLL:
    if core not in CORES:
        raise ConfigError(f"simulator core: wanted one of {', '.join(CORES)}, got '{core}'")
    lib = ctypes.CDLL(str(firmware.build(CORES[core])))
    u8p, u32 = ctypes.POINTER(ctypes.c_uint8), ctypes.c_uint32
    lib.hil_sim_load.argtypes = [u8p, u32]
    lib.hil_sim_invoke_rows.argtypes = [u8p, u32, u8p, u32, u32, ctypes.c_uint8]
    lib.hil_sim_profile.argtypes = [u8p, u32, ctypes.POINTER(u32)]
    lib.hil_sim_op_optimised.argtypes = [u32]
    for name in ("hil_sim_stream_begin", "hil_sim_stream_hops"):
        getattr(lib, name).argtypes = [u8p, u32, u8p, ctypes.POINTER(u32)]
    return lib


def _ptr(a: np.ndarray):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8))


_loaded: dict[str, int] = {}  # per core: id of the Simulator whose blob its library holds


def load_blob(blob: bytes, core: str = DEFAULT_CORE) -> None:
    """Load a blob into the library exactly as a board would; its verdict as a DeviceError."""
    buf = np.frombuffer(blob, dtype=np.uint8).copy()
    status = _lib(core).hil_sim_load(_ptr(buf), len(blob))
    _loaded[core] = 0
    if status != Status.OK:
        raise DeviceError(f"simulator rejected the model: {Status.describe(status)}", status)


class Simulator:
    core = DEFAULT_CORE  # which core's kernel sets (CORES) its library runs

    def __init__(self, blob: bytes, core: str = DEFAULT_CORE):
        self.blob, self.core = blob, core
        info = read_blob(blob)
        self.inputs = [info.tensors[i] for i in info.inputs]
        self.outputs = [info.tensors[i] for i in info.outputs]
        self.in_bytes = sum(t.nbytes for t in self.inputs)
        self.out_bytes = sum(t.nbytes for t in self.outputs)
        self._load()

    def ensure_loaded(self) -> None:
        """Make this simulator's blob the library's current model (reloaded if another was loaded since)."""
        if _loaded.get(self.core) != id(self):
            self._load()

    def restart(self) -> None:
        """Load this blob afresh: what its ops keep from run to run (a gated block's history) starts over."""
        self._load()

    def _load(self) -> None:
        load_blob(self.blob, self.core)
        _loaded[self.core] = id(self)

    def run_raw(self, rows: np.ndarray, reference: bool = False) -> np.ndarray:
        """rows: (N, in_bytes) uint8 of concatenated inputs -> (N, out_bytes) uint8."""
        self.ensure_loaded()
        rows = np.ascontiguousarray(rows, dtype=np.uint8)
        if rows.ndim != 2 or rows.shape[1] != self.in_bytes:
            raise ValueError(f"wanted rows of {self.in_bytes} input bytes, got shape {rows.shape}")
        out = np.zeros((rows.shape[0], self.out_bytes), dtype=np.uint8)
        flags = REFERENCE_KERNELS if reference else 0
        status = _lib(self.core).hil_sim_invoke_rows(_ptr(rows), self.in_bytes, _ptr(out), self.out_bytes, rows.shape[0], flags)
        if status != Status.OK:
            raise DeviceError(f"simulator failed: {Status.describe(status)}", status)
        return out

    def optimised_ops(self) -> list[bool]:
        """Per op: whether it runs a kernel of its own with the optimised kernels (else the reference one)."""
        self.ensure_loaded()
        return [bool(_lib(self.core).hil_sim_op_optimised(i)) for i in range(read_blob(self.blob).header["n_ops"])]

    def run(self, *inputs: np.ndarray, reference: bool = False) -> list[np.ndarray]:
        """Quantised inputs (N, *shape) per model input -> quantised outputs (N, *shape)."""
        return split_outputs(self.run_raw(join_inputs(inputs, self.inputs), reference), self.outputs)


def stream_command(name: str, payload: bytes, core: str = DEFAULT_CORE) -> tuple[int, bytes]:
    """Run STREAM_BEGIN ("begin") or STREAM_HOPS ("hops") in the core's library as the board runs it:
    (status, reply payload). The library's current model is the last one loaded."""
    buf = np.frombuffer(payload, dtype=np.uint8).copy() if payload else np.zeros(1, np.uint8)
    out = np.zeros(MAX_PAYLOAD, np.uint8)
    n = ctypes.c_uint32(0)
    status = getattr(_lib(core), f"hil_sim_stream_{name}")(_ptr(buf), len(payload), _ptr(out), ctypes.byref(n))
    return status, out[: n.value].tobytes()


def dsp_lib() -> ctypes.CDLL:
    """The library, for calling the chain's stages directly: hil_sim_chain picks the chain (nsNet2's until then),
    then hil_sim_analysis, hil_sim_features, ..., and hil_sim_ln, hil_sim_exp."""
    return _lib()
