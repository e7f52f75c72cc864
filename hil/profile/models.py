"""Which model a command means: a zoo name (converted to int8 once, then cached) or a file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from hil.errors import ConfigError


def cache_dir() -> Path:
    """$HIL_CACHE, else ~/.cache/hil: derived files that can always be rebuilt."""
    return Path(os.environ.get("HIL_CACHE") or Path.home() / ".cache" / "hil")


def zoo_int8(name: str) -> Path:
    """The int8 TFLite of zoo model `name`: its model.tflite when it ships one (custom ops made at training),
    else converted with its calibration rows, carrying the chain its card names; cached by their content."""
    from hil.dsp.identity import card_chain
    from hil.zoo import zoo_path

    folder = zoo_path(name)
    if (folder / "model.tflite").is_file():  # shipped int8 with custom ops (a gated model), its chain inside
        return folder / "model.tflite"
    digest = hashlib.sha256()
    for f in ("model.keras", "calib.npy"):
        digest.update((folder / f).read_bytes())
    digest.update(repr(card_chain(folder)).encode())
    out = cache_dir() / "zoo" / f"{name}-{digest.hexdigest()[:16]}.tflite"
    if not out.is_file():
        from hil.convert.keras_to_tflite import convert, load_calib

        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        convert(str(folder / "model.keras"), load_calib(str(folder / "calib.npy")), tmp)
        tmp.replace(out)  # atomic: a concurrent run never reads half a file
    return out


def resolve_tflite(spec: str) -> tuple[str, bytes]:
    """(display name, int8 TFLite bytes) for a zoo name or a .tflite path."""
    path = Path(spec)
    if path.suffix == ".tflite":
        if not path.is_file():
            raise ConfigError(f"--model: wanted an existing .tflite file or a zoo name, got '{spec}' (no such file)")
        return path.stem, path.read_bytes()
    if path.suffix or "/" in spec:
        raise ConfigError(f"--model: wanted a zoo name (e.g. nsnet2-small) or a .tflite file, got '{spec}'")
    return spec, zoo_int8(spec).read_bytes()
