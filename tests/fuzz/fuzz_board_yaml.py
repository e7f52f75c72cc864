"""Board files as `hil.boards.load_board_file` reads them: anything but a valid board must come out as
ConfigError (one line naming the file and the key), never as anything else."""

import re
import tempfile
from pathlib import Path

from hil.boards import load_board_file
from hil.errors import HilError
from hil.paths import boards_dir

INSTRUMENT = ("yaml",)  # PyYAML's parser guides the search: its exceptions are what the loader must catch
_NAME = re.compile(rb"^name:\s*([A-Za-z0-9_-]{1,40})\s*$", re.M)


def seeds() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(boards_dir().glob("*.yaml"))}


def one_input(data: bytes) -> None:
    # the file is named after the board id the text claims, so a valid board passes the name check too;
    # a folder per input: libFuzzer ends the process without Python's clean-up, so nothing may outlive a call
    found = _NAME.search(data)
    with tempfile.TemporaryDirectory(prefix="hil-fuzz-board-") as tmp:
        path = Path(tmp) / f"{found.group(1).decode() if found else 'board'}.yaml"
        path.write_bytes(data)
        try:
            load_board_file(path)
        except HilError:
            pass
