"""Where the repository's data lives (boards/, firmware/, models/), and hil's cache."""

import os
from pathlib import Path


def repo_root() -> Path:
    """The checkout hil runs from; HIL_ROOT overrides it."""
    env = os.environ.get("HIL_ROOT")
    return Path(env) if env else Path(__file__).resolve().parent.parent


def boards_dir() -> Path:
    return repo_root() / "boards"


def firmware_dir() -> Path:
    return repo_root() / "firmware"


def cache_dir() -> Path:
    """What hil keeps between runs (converted models, slot images); HIL_CACHE overrides ~/.cache/hil."""
    return Path(os.environ.get("HIL_CACHE") or Path.home() / ".cache" / "hil")


def slots_dir() -> Path:
    """The flash slot images of emulated and host boards, one file per board; HIL_SLOTS overrides <cache>/slots."""
    return Path(os.environ.get("HIL_SLOTS") or cache_dir() / "slots")
