"""A labgrid coordinator run by hil (`hil farm up`, the tests): `labgrid-coordinator` as a child that
listens on 127.0.0.1 unless told otherwise and keeps its state (places.yaml) in a folder of its own."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

from hil.errors import FarmError
from hil.farm.client import close_client, open_client
from hil.farm.places import DEFAULT_PORT
from hil.paths import cache_dir
from hil.targets.process import spawn, stop


class Coordinator:
    def __init__(self, port: int = DEFAULT_PORT, host: str = "127.0.0.1", state_dir: Optional[Path] = None):
        self.host, self.port = host, port
        self.state_dir = Path(state_dir or cache_dir() / "farm" / f"coordinator-{port}")
        self.proc: Optional[subprocess.Popen] = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout_s: float = 20.0) -> "Coordinator":
        self.state_dir.mkdir(parents=True, exist_ok=True)
        log = self.state_dir / "coordinator.log"
        with log.open("ab") as out:
            self.proc = spawn([sys.executable, "-m", "labgrid.remote.coordinator", "-l", self.address],
                              stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd=self.state_dir)  # fmt: skip
        deadline = time.monotonic() + timeout_s
        while True:
            if self.proc.poll() is not None:
                tail = (log.read_text(errors="replace").strip().splitlines() or ["no output"])[-1]
                raise FarmError(f"labgrid-coordinator on {self.address} exited with code {self.proc.returncode}: {tail}")
            try:
                close_client(open_client(self.address))
                return self
            except FarmError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise FarmError(f"labgrid-coordinator on {self.address} did not answer within {timeout_s:g} s")
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)

    def __enter__(self) -> "Coordinator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
