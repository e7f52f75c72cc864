"""Child processes (emulators, host firmware) that never outlive hil.

Each child gets PR_SET_PDEATHSIG so the kernel kills it if hil dies without
cleaning up (kill -9 included), and is stopped by its owner's context manager."""

from __future__ import annotations

import ctypes
import signal
import socket
import subprocess
from typing import Sequence

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def spawn(argv: Sequence[str], **kw) -> subprocess.Popen:
    return subprocess.Popen(list(argv), preexec_fn=_die_with_parent, **kw)


def stop(proc: subprocess.Popen, grace_s: float = 3.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream:
            stream.close()


def free_tcp_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago (the caller retries on a clash)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
