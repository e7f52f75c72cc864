"""Child processes (emulators, host firmware) that never outlive hil.

Each child gets PR_SET_PDEATHSIG so the kernel kills it if hil dies without cleaning up (kill -9
included), and is stopped by its owner's context manager. Linux sends that signal when the *thread*
that forked the child ends, not when the process does: a child forked by a worker thread (a board
brought up in a thread pool) would be killed as soon as that thread finishes. So every child is
forked by one spawner thread that lives as long as the hil process."""

from __future__ import annotations

import ctypes
import os
import queue
import signal
import socket
import subprocess
import threading
from concurrent.futures import Future
from typing import Callable, Optional, Sequence

_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True)


def _die_with(parent_pid: int) -> Callable[[], None]:
    """The child's first act after fork: ask for SIGKILL when hil's spawner thread ends."""

    def preexec() -> None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent_pid:  # hil died between fork and prctl: no signal will ever come
            os._exit(1)

    return preexec


class _Spawner:
    """One daemon thread that forks every child; callers in any thread wait for their Popen."""

    def __init__(self):
        self._lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()

    def _running(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():  # first use, or in a forked copy of hil
                self._jobs = queue.SimpleQueue()
                self._thread = threading.Thread(target=self._serve, args=(self._jobs,), name="hil-spawner",
                                                daemon=True)  # fmt: skip
                self._thread.start()

    @staticmethod
    def _serve(jobs: queue.SimpleQueue) -> None:
        while True:
            argv, kw, result = jobs.get()
            if result.set_running_or_notify_cancel():
                try:
                    result.set_result(subprocess.Popen(argv, preexec_fn=_die_with(os.getpid()), **kw))
                except BaseException as exc:
                    result.set_exception(exc)

    def popen(self, argv: list[str], kw: dict) -> subprocess.Popen:
        self._running()
        result: Future = Future()
        self._jobs.put((argv, kw, result))
        try:
            return result.result()
        except BaseException:
            if not result.cancel():  # interrupted (Ctrl-C) while the child starts: stop it once it has
                result.add_done_callback(_stop_unclaimed)
            raise


def _stop_unclaimed(started: Future) -> None:
    if started.exception() is None:
        stop(started.result())


_SPAWNER = _Spawner()


def spawn(argv: Sequence[str], **kw) -> subprocess.Popen:
    """Start a child that dies with hil (not with the calling thread); stop it with `stop`."""
    return _SPAWNER.popen(list(argv), kw)


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
