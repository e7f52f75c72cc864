"""`hil farm exporter`: labgrid's exporter for the boards of this host, run and watched by hil.

It writes labgrid's resource YAML (one group per board, named as its place), runs `labgrid-exporter`
on it, registers the places with the coordinator (matches and tags), and watches:
- an emulated board (`--emulated qemu-f446:2`: QEMU with its serial port on a 127.0.0.1 socket,
  published as a NetworkSerialPort) that dies is marked dead, started again on the same port, checked
  with a HELLO and marked ok;
- labgrid-exporter itself, which ends when the coordinator goes away, is started again until the
  coordinator is back, and the places are registered again.
Every child (QEMU, labgrid-exporter) dies with this process (hil.targets.process).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional

import yaml

from hil.boards import Board
from hil.errors import FarmError, HilError
from hil.farm.client import FarmClient, close_client, open_client
from hil.farm.places import now_tag, place_name, place_tags
from hil.targets import target_for
from hil.targets.process import spawn, stop
from hil.targets.qemu import Emulator


def serial_resource(port: int) -> dict:
    return {"NetworkSerialPort": {"host": "127.0.0.1", "port": port, "protocol": "raw", "speed": 115200}}


class Exporter:
    def __init__(self, coordinator: str, name: str, groups: Optional[dict] = None,
                 log: Callable[[str], None] = lambda line: None):  # fmt: skip
        self.coordinator, self.name, self.log = coordinator, name, log
        self.groups: dict[str, tuple[dict, dict]] = dict(groups or {})  # group = place: (resources, tags)
        self.emulators: dict[str, Emulator] = {}
        self.proc: Optional[subprocess.Popen] = None
        self.dir = Path(tempfile.mkdtemp(prefix=f"hil-exporter-{name}-"))
        self._client: Optional[FarmClient] = None
        self._registered = False

    # --- emulated boards ---------------------------------------------------

    def add_emulated(self, boards: list[tuple[Board, int]], elf: Optional[Path] = None) -> None:
        index = len(self.emulators)
        for board, count in boards:
            image = elf or target_for(board).build()
            for _ in range(count):
                serial = f"{self.name}-{index}"
                group = place_name(board.name, serial)
                emulator = Emulator(board, image, wait_for_client=False).start()
                self.emulators[group] = emulator
                self.groups[group] = (serial_resource(emulator.port), place_tags(board.name, serial, "emulated"))
                index += 1
        for group, emulator in self.emulators.items():
            emulator.connect(expect_boot=False).close()  # it answers before it is published

    def _revive(self, group: str, why: str) -> None:
        self._tag(group, {"health": "dead", "checked": now_tag()}, f"dead: {why}; its exporter restarts it")
        old = self.emulators[group]
        old.stop()
        new = Emulator(old.board, old.elf, port=old.port, wait_for_client=False).start()
        self.emulators[group] = new
        try:
            new.connect(expect_boot=False).close()
        except HilError as exc:
            self.log(f"{group}: did not come back: {exc}")
            return
        self._tag(group, {"health": "ok", "checked": now_tag()}, f"restarted by its exporter after: {why}")
        self.log(f"{group}: restarted after: {why}")

    # --- labgrid-exporter and the coordinator --------------------------------

    def _start_labgrid(self) -> None:
        config = self.dir / "resources.yaml"
        config.write_text(yaml.safe_dump({g: r for g, (r, _) in self.groups.items()}, sort_keys=True))
        logfile = (self.dir / "labgrid-exporter.log").open("ab")
        self.proc = spawn([sys.executable, "-m", "labgrid.remote.exporter", "-c", self.coordinator, "-n", self.name,
                           "--hostname", "127.0.0.1", str(config)], stdin=subprocess.DEVNULL, stdout=logfile,
                          stderr=subprocess.STDOUT, cwd=self.dir)  # fmt: skip
        logfile.close()
        self._registered = False

    def _client_now(self) -> FarmClient:
        if self._client is None or not self._client.alive:
            if self._client is not None:
                close_client(self._client)
                self._client = None
            self._client = open_client(self.coordinator)
        return self._client

    def _register(self) -> None:
        client = self._client_now()
        for group, (_, tags) in self.groups.items():
            client.ensure_place(group, f"{self.name}/{group}/*", {**tags, "checked": now_tag()})
        self._registered = True
        self.log(f"exporter {self.name}: {len(self.groups)} place(s) on {self.coordinator}: {', '.join(self.groups)}")

    def _tag(self, group: str, tags: dict, comment: str) -> None:
        with contextlib.suppress(FarmError):
            self._client_now().set_tags(group, tags, comment=comment)

    def start(self) -> "Exporter":
        if not self.groups:
            raise FarmError("hil farm exporter: nothing to export: wanted --emulated ID:N or --inventory with --host")
        self._start_labgrid()
        self.poll()
        return self

    def poll(self) -> None:
        """One round of watching: dead boards restarted, labgrid-exporter restarted, places registered."""
        for group in list(self.emulators):
            if (why := self.emulators[group].failure()) is not None:
                self._revive(group, why)
        if self.proc is not None and self.proc.poll() is not None:
            self.log(f"exporter {self.name}: labgrid-exporter ended (code {self.proc.returncode}); starting it again")
            self._start_labgrid()
        if not self._registered:
            try:
                self._register()
            except FarmError as exc:
                self.log(f"exporter {self.name}: {exc}; trying again")

    def run(self, interval_s: float = 0.5) -> None:
        while True:
            self.poll()
            time.sleep(interval_s)

    def close(self) -> None:
        for group in self.groups:
            self._tag(group, {"health": "offline"}, f"exporter {self.name} stopped")
        if self._client is not None:
            close_client(self._client)
        if self.proc is not None:
            stop(self.proc)
        for emulator in self.emulators.values():
            emulator.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "Exporter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
