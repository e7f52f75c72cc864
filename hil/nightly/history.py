"""The nightly history: one SQLite file, every figure of every run with where it came from (git commit,
firmware version, board id and serial, place, counter, energy source), and each cell's outcome."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import asdict
from pathlib import Path
from typing import Optional

from hil.errors import ConfigError
from hil.nightly.jobs import Figure

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, started REAL, finished REAL, git_commit TEXT,
    matrix TEXT, status TEXT);
CREATE TABLE IF NOT EXISTS cells (run_id TEXT, cell TEXT, status TEXT, detail TEXT, seconds REAL,
    PRIMARY KEY (run_id, cell));
CREATE TABLE IF NOT EXISTS figures (run_id TEXT, cell TEXT, job TEXT, model TEXT, board TEXT, serial TEXT,
    place TEXT, firmware TEXT, git_commit TEXT, metric TEXT, value REAL, kind TEXT, better TEXT, unit TEXT,
    counter TEXT, energy_source TEXT, PRIMARY KEY (run_id, cell, metric));
"""
SERIES = ("job", "model", "board", "metric")  # what makes two runs' figures comparable


class History:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=30)
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"{self.path}: not a nightly history: {exc}") from None
        self.db.row_factory = sqlite3.Row

    def begin(self, run_id: str, git_commit: str, matrix: str) -> None:
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO runs VALUES (?, ?, NULL, ?, ?, 'running')",
                            (run_id, time.time(), git_commit, matrix))  # fmt: skip

    def finish(self, run_id: str, status: str) -> None:
        with self.db:
            self.db.execute("UPDATE runs SET finished = ?, status = ? WHERE run_id = ?", (time.time(), status, run_id))

    def cell_done(self, run_id: str, cell: str) -> bool:
        row = self.db.execute("SELECT status FROM cells WHERE run_id = ? AND cell = ?", (run_id, cell)).fetchone()
        return row is not None and row["status"] in ("ok", "skipped")

    def record(self, run_id: str, cell: str, status: str, detail: str, seconds: float,
               figures: list[Figure] = (), where: Optional[dict] = None) -> None:  # fmt: skip
        """A cell's outcome and its figures, in one transaction: a cell is recorded whole or not at all."""
        where = where or {}
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO cells VALUES (?, ?, ?, ?, ?)", (run_id, cell, status, detail, seconds))
            for f in figures:
                row = {"run_id": run_id, "cell": cell, **where, **asdict(f)}
                cols = ", ".join(row)
                self.db.execute(f"INSERT OR REPLACE INTO figures ({cols}) VALUES ({', '.join('?' * len(row))})",
                                list(row.values()))  # fmt: skip

    def figures(self, run_id: str) -> list[dict]:
        return [dict(r) for r in self.db.execute("SELECT * FROM figures WHERE run_id = ? ORDER BY cell, metric",
                                                 (run_id,))]  # fmt: skip

    def cells(self, run_id: str) -> list[dict]:
        return [dict(r) for r in self.db.execute("SELECT * FROM cells WHERE run_id = ? ORDER BY cell", (run_id,))]

    def run(self, run_id: str) -> dict:
        return dict(self.db.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone())

    def earlier(self, run_id: str) -> list[dict]:
        """Runs before this one, oldest first."""
        started = self.run(run_id)["started"]
        return [dict(r) for r in self.db.execute("SELECT * FROM runs WHERE started < ? ORDER BY started",
                                                 (started,))]  # fmt: skip

    def series(self, figure: dict) -> list[dict]:
        """Every run's value of the same job, model, board and metric, oldest first."""
        where = " AND ".join(f"f.{k} IS ?" for k in SERIES)
        sql = (f"SELECT f.run_id, f.value, r.started, f.git_commit, f.firmware FROM figures f JOIN runs r "
               f"USING (run_id) WHERE {where} ORDER BY r.started")  # fmt: skip
        return [dict(r) for r in self.db.execute(sql, [figure[k] for k in SERIES])]

    def close(self) -> None:
        self.db.close()
