"""Where the repository's data lives (boards/, firmware/, models/)."""

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
