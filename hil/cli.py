"""The `hil` command: an argument tree over the library. The only place that
prints errors and picks exit codes. Each command's shell lives beside its library (<folder>/cli.py)."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from hil import __version__
from hil.audio.cli import add_data_parser
from hil.bench.cli import add_bench_parser
from hil.compile.cli import add_compile_parser
from hil.convert.cli import add_convert_parser
from hil.dyncp.cli import add_dyncp_parser
from hil.errors import HilError
from hil.farm.cli import add_farm_parser
from hil.nightly.cli import add_nightly_parser
from hil.profile.cli import add_profile_parser
from hil.run.cli import add_run_parser
from hil.search.cli import add_search_parser
from hil.targets.cli import add_board_parsers
from hil.train.cli import add_train_parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hil", description="Hardware-in-the-loop lab for speech-enhancement models")
    parser.add_argument("--version", action="version", version=f"hil {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    add_board_parsers(sub)
    for add in (add_convert_parser, add_data_parser, add_search_parser, add_profile_parser, add_train_parser,
                add_compile_parser, add_run_parser, add_bench_parser, add_farm_parser,
                add_nightly_parser, add_dyncp_parser):  # fmt: skip
        add(sub)
    return parser


_TF_COMMANDS = {"convert", "search", "train", "profile", "bench models"}  # commands that convert with TensorFlow


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow with file descriptor 2 closed: its C++ start-up chatter (oneDNN, CUDA probes)
    is written before any log level applies. Import errors still reach the user as exceptions."""
    if "tensorflow" in sys.modules:
        return
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    sys.stderr.flush()
    os.dup2(devnull, 2)
    try:
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _terminate(signum, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds context managers: emulators stop


def main(argv=None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's C++ chatter is not the user's business
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    command = " ".join(filter(None, (getattr(args, "command", None), getattr(args, "bench", None))))
    if command in _TF_COMMANDS or getattr(args, "command", None) in _TF_COMMANDS:
        _import_tensorflow_quietly()
    try:
        args.func(args)
    except HilError as exc:
        print(f"hil: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
