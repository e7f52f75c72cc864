"""Operator encoders: one module per op family, each registering the TFLite ops it handles.

An encoder checks that the runtime supports the op as given (one ModelError line
naming the node otherwise), precomputes everything the board would otherwise
compute in Prepare (multipliers, shifts, folded biases, activation ranges) and
returns the op's record: inputs, outputs, parameter bytes, MACs."""

from __future__ import annotations

import importlib
import pkgutil
import threading
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from hil.compile.tflite import Graph, Op
from hil.errors import ModelError


class OpCode:
    """Mirrors hil_opcode_t in firmware/include/hil/model.h."""

    FULLY_CONNECTED = 1
    CONV_2D = 2
    DEPTHWISE_CONV_2D = 3
    ADD = 4
    SUB = 5
    MUL = 6
    LOGISTIC = 7
    TANH = 8
    RELU = 9
    RELU6 = 10
    RESHAPE = 11
    CONCATENATION = 12
    SPLIT = 13
    STRIDED_SLICE = 14
    MEAN = 15
    QUANTIZE = 16
    DEQUANTIZE = 17
    SOFTMAX = 18
    MP_GRU = 19  # the HIL_MP_GRU custom op (hil/mpgru)
    PAD = 20  # PAD and PADV2
    AVERAGE_POOL_2D = 21
    MAX_POOL_2D = 22
    PRELU = 30
    LEAKY_RELU = 31
    HARD_SWISH = 32
    MAXIMUM = 33
    MINIMUM = 34
    TRANSPOSE = 35
    PACK = 36
    UNPACK = 37
    RESIZE_NEAREST_NEIGHBOR = 38
    REDUCE_MAX = 39
    GRU_STEP_S8 = 40  # a GRU cell's ops fused by the compiler (hil.compile.fuse)
    GATED_CONV = 41  # the HIL_GATED_CONV custom op (hil/gconv)


@dataclass
class OpSpec:
    code: int
    inputs: list[int]  # graph tensor indices; -1 for an absent optional input
    outputs: list[int]
    params: bytes
    macs: int = 0
    scratch_bytes: int = 0  # a scratch tensor is planned and appended to the inputs
    alias_output: bool = False  # output shares input 0's memory (reshape-like ops)
    extra_tensors: list = field(default_factory=list)
    persistent_inputs: tuple[int, ...] = ()  # positions of inputs kept across runs: never shared in the arena


class DataWriter:
    """The blob's data section: constants are appended, 8-byte aligned; offsets are absolute."""

    def __init__(self, base: int):
        self.base = base
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, data: bytes | np.ndarray) -> int:
        raw = data.tobytes() if isinstance(data, np.ndarray) else bytes(data)
        offset = self.base + self.size
        pad = (-len(raw)) % 8
        self.chunks.append(raw + b"\0" * pad)
        self.size += len(raw) + pad
        return offset

    def bytes(self) -> bytes:
        return b"".join(self.chunks)


Encoder = Callable[[Op, Graph, DataWriter], OpSpec]
_ENCODERS: dict[str, Encoder] = {}


@dataclass(frozen=True)
class Form:
    """What an op must look like before its encoder reads it: how many inputs and outputs (hi None: no
    limit) and the builtin options record it reads (required, or optional with the encoder's defaults)."""

    inputs: tuple[int, int | None]
    outputs: tuple[int, int | None]
    options: type | None = None
    options_required: bool = False


_FORMS: dict[str, Form] = {}


def _span(n: int | tuple[int, int | None]) -> tuple[int, int | None]:
    return (n, n) if isinstance(n, int) else n


def register(*names: str, inputs: int | tuple = 1, outputs: int | tuple = 1, options: type | None = None,
             options_required: bool = False):  # fmt: skip
    form = Form(_span(inputs), _span(outputs), options, options_required)

    def wrap(fn: Encoder) -> Encoder:
        for name in names:
            _ENCODERS[name], _FORMS[name] = fn, form
        return fn

    return wrap


def _count(lo: int, hi: int | None) -> str:
    return str(lo) if lo == hi else f"{lo}..{hi}" if hi is not None else f"at least {lo}"


def check_form(op: Op) -> None:
    """ModelError unless op has the inputs, outputs and options its encoder reads (ops hil does not
    support pass: encoder_for names them)."""
    if not _LOADED.is_set():
        _load_encoders()
    form = _FORMS.get(op.name)
    if form is None:
        return
    for what, got, (lo, hi) in (("inputs", len(op.inputs), form.inputs), ("outputs", len(op.outputs), form.outputs)):
        if got < lo or (hi is not None and got > hi):
            raise ModelError(f"{op.where()}: wanted {_count(lo, hi)} {what}, got {got}")
    if form.options is None or (op.options is None and not form.options_required):
        return
    if not isinstance(op.options, form.options):
        got = type(op.options).__name__.removesuffix("T") if op.options is not None else "none"
        raise ModelError(f"{op.where()}: wanted {form.options.__name__.removesuffix('T')}, got {got}")


_LOADED = threading.Event()
_LOAD_LOCK = threading.Lock()


def _load_encoders() -> None:
    """Import every encoder module once. Under a lock, and `_LOADED` set only when all are in: a search
    compiles on several threads, and a half-filled registry would refuse ops it supports."""
    with _LOAD_LOCK:
        if not _LOADED.is_set():
            for mod in pkgutil.iter_modules(__path__):
                importlib.import_module(f"{__name__}.{mod.name}")
            _LOADED.set()


def encoder_for(op: Op) -> Encoder:
    if not _LOADED.is_set():
        _load_encoders()
    if op.name not in _ENCODERS:
        raise ModelError(f"{op.where()}: operator {op.name} is not supported by the hil runtime "
                         f"(supported: {', '.join(sorted(_ENCODERS))})")
    return _ENCODERS[op.name]


def supported_ops() -> list[str]:
    encoder_for(Op(-1, next(iter(_ENCODERS), "FULLY_CONNECTED"), [], []))
    return sorted(_ENCODERS)
