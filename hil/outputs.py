"""Output paths checked before the work that fills them: a bad --out is one line, up front, and a long
run never ends by losing its results to a path it could have refused at the start."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hil.errors import ConfigError


def _probe(folder: Path, what: str, path: Path) -> None:
    """Create and remove a file in `folder`: the only check that answers for every filesystem and user."""
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".hil-write-check-")
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise ConfigError(f"{what}: wanted a writable location, got {path} ({exc.strerror})") from None


def writable_dir(path: Path | str, what: str = "--out") -> Path:
    """The folder, created if missing, after checking a file can be written in it."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{what}: wanted a folder, got {path}, which is a file")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{what}: wanted a folder hil can create, got {path} ({exc.strerror})") from None
    _probe(path, what, path)
    return path


def writable_file(path: Path | str, what: str = "--out") -> Path:
    """The file's path, after checking its folder exists (it is created) and takes a new file there.
    An existing file is kept until the caller writes it."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{what}: wanted a file name, got {path}, which is a folder")
    folder = path.parent if str(path.parent) else Path(".")
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{what}: wanted a file in a folder, got {path} ({folder} is a file)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{what}: wanted a folder hil can create for {path} ({exc.strerror})") from None
    _probe(folder, what, path)
    if path.exists() and not os.access(path, os.W_OK):
        raise ConfigError(f"{what}: wanted a writable file, got {path} (read-only)")
    return path
