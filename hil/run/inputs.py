"""`hil run`'s input files, read and quantised on the host, and its outputs dequantised.

Input files are read defensively: an .npy header is checked against the bytes the file holds before
any data is read (numpy would allocate what a damaged header claims), object arrays are refused, and
whatever numpy's header parser or zipfile raise on a damaged file becomes one ConfigError naming it."""

from __future__ import annotations

import io
import math
import tokenize
import zipfile
import zlib
from pathlib import Path

import numpy as np

from hil.compile.io import IoSpec
from hil.quant import QRANGE, dequantize, quantize
from hil.errors import ConfigError

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # an archive with members, an empty one (what np.load checks)
# What numpy's .npy header parser raises on a damaged header: it evaluates the header and dtype strings as
# Python literals (SyntaxError, RecursionError) and tokenizes Python 2 headers (TokenError).
_NPY_ERRORS = (ValueError, TypeError, SyntaxError, EOFError, tokenize.TokenError, RecursionError)
# What zipfile raises on a damaged archive: bad structure or CRC, bad deflate data, short or lying
# sizes, unsupported compression, encrypted members.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError)


def _npy(raw: bytes, label: str) -> np.ndarray:
    """One .npy array from its bytes: version 1.0 or 2.0, plain numbers, no more data than there is."""
    fp = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(fp)
        if version not in ((1, 0), (2, 0)):
            raise ValueError(f"format version {version[0]}.{version[1]}; wanted 1.0 or 2.0")
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran_order, dtype = read_header(fp)
    except _NPY_ERRORS as exc:
        raise ConfigError(f"{label}: wanted an .npy or .npz file, got one that does not parse ({exc})") from None
    if dtype.kind not in "biuf" or dtype.fields is not None or min(shape, default=0) < 0:
        raise ConfigError(f"{label}: wanted an array of numbers, got dtype {dtype} of shape {shape}")
    count, left = math.prod(shape), len(raw) - fp.tell()
    if count * dtype.itemsize > left:
        raise ConfigError(f"{label}: the header says {dtype}{list(shape)} ({count * dtype.itemsize:,} bytes); "
                          f"the file holds {left:,}")  # fmt: skip
    data = np.frombuffer(raw, dtype=dtype, count=count, offset=fp.tell())
    return data.reshape(shape, order="F" if fortran_order else "C")


def input_names(spec: IoSpec, i: int) -> list[str]:
    """The names an input array may have: the SignatureDef's (what a user writes), the tensor's, input_<i>."""
    return list(dict.fromkeys(n for n in (spec.signature_name, spec.name, f"input_{i}") if n))


def _npz_arrays(raw: bytes, specs: list[IoSpec], label: str) -> list[np.ndarray]:
    """One array per input from an .npz, each found by the first of its input_names the archive has."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = {name.removesuffix(".npy"): name for name in archive.namelist()}
            picked = [_pick(members, spec, i, label) for i, spec in enumerate(specs)]
            data = [archive.read(members[name]) for name in picked]
    except _ZIP_ERRORS as exc:
        raise ConfigError(f"{label}: wanted an .npz archive, got a damaged one ({exc})") from None
    return [_npy(d, f"{label}[{name}]") for d, name in zip(data, picked)]


def _pick(members: dict[str, str], spec: IoSpec, i: int, label: str) -> str:
    names = input_names(spec, i)
    for name in names:
        if name in members:
            return name
    raise ConfigError(f"{label}: wanted an array for input {i} named {' or '.join(map(repr, names))}, "
                      f"got {sorted(members)}")  # fmt: skip


def row_count(rows: list[np.ndarray], label: str) -> int:
    """The number of rows every input has; at least one."""
    counts = [r.shape[0] for r in rows]
    if len(set(counts)) > 1:
        raise ConfigError(f"{label}: wanted the same number of rows for every input, got {counts}")
    if not counts or counts[0] < 1:
        raise ConfigError(f"{label}: wanted at least one row, got 0")
    return counts[0]


def _refuse_non_finite(checked: np.ndarray, shown: np.ndarray, spec: IoSpec, label: str) -> None:
    bad = ~np.isfinite(checked)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        kind = "float32 " if spec.dtype == "float32" else ""
        raise ConfigError(f"{label}: input {spec.signature_name or spec.name!r} row {r}, column {c} is {shown[r, c]}; "
                          f"wanted finite {kind}values ({int(bad.sum())} are not)")  # fmt: skip


def _rows(x: np.ndarray, spec: IoSpec, label: str) -> np.ndarray:
    """x as (rows, values per row) for spec: one row of exactly its values, or rows of them."""
    size = math.prod(spec.shape)
    x = np.asarray(x)
    if x.size == size:
        x = x.reshape(1, size)
    if x.ndim < 2 or math.prod(x.shape[1:]) != size:
        raise ConfigError(f"{label}: wanted rows of {size} values (input shape {spec.shape}), "
                          f"got array shape {x.shape}")  # fmt: skip
    rows = x.reshape(x.shape[0], size)
    if rows.shape[0] == 0:
        raise ConfigError(f"{label}: wanted at least one row of {size} values, got 0 rows (array shape {x.shape})")
    if rows.dtype.kind not in "iuf":
        raise ConfigError(f"{label}: wanted floats or {spec.dtype} values, got {rows.dtype}")
    return rows


def quantize_rows(x: np.ndarray, spec: IoSpec, label: str) -> np.ndarray:
    """Rows for one model input: floats (all finite) are quantised with its scale and zero point
    (as TFLite's QUANTIZE: round half away from zero), integers must already be of its type."""
    rows = _rows(x, spec, label)
    if rows.dtype.kind == "f":
        with np.errstate(over="ignore"):  # beyond float32 saturates like any value out of range
            as32 = rows.astype(np.float32)
        _refuse_non_finite(as32 if spec.dtype == "float32" else rows, rows, spec, label)
    if spec.dtype == "float32":
        return rows.astype(np.float32)
    lo, hi = QRANGE[spec.dtype]
    if rows.dtype.kind == "f":
        if spec.scale == 0:
            raise ConfigError(f"{label}: model input {spec.name!r} is not quantised; pass {spec.dtype} values")
        with np.errstate(over="ignore"):
            return quantize(as32, spec.scale, spec.zero_point, spec.dtype, np.float32)
    if rows.min() < lo or rows.max() > hi:
        raise ConfigError(f"{label}: wanted floats or {spec.dtype} values in [{lo}, {hi}], got {rows.dtype} "
                          f"in [{rows.min()}, {rows.max()}]")  # fmt: skip
    return rows.astype(spec.dtype)


def load_inputs(path: Path, specs: list[IoSpec]) -> list[np.ndarray]:
    """X.npy for a one-input model; X.npz with one array per input (named as input_names says) otherwise."""
    label = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read inputs {path}: {exc.strerror or exc}") from None
    if raw.startswith(_ZIP_MAGIC):
        arrays = _npz_arrays(raw, specs, label)
    elif len(specs) != 1:
        raise ConfigError(f"{path}: the model has {len(specs)} inputs; pass an .npz with one array per input")
    else:
        arrays = [_npy(raw, label)]
    rows = [quantize_rows(a, s, label) for a, s in zip(arrays, specs)]
    row_count(rows, label)
    return rows


def dequantize_outputs(outputs: list[np.ndarray], specs: list[IoSpec]) -> list[np.ndarray]:
    """Float32 outputs, as TFLite's DEQUANTIZE computes them (float32 arithmetic); float outputs as they are."""
    return [o.astype(np.float32) if s.dtype == "float32" else dequantize(o, s.scale, s.zero_point)
            for o, s in zip(outputs, specs)]  # fmt: skip


def save_outputs(path, outputs: list[np.ndarray]) -> None:
    """Y.npy for one output; Y.npz with output_<i> per output otherwise."""
    if len(outputs) == 1:
        np.save(path, outputs[0])
    else:
        np.savez(path, **{f"output_{i}": o for i, o in enumerate(outputs)})
