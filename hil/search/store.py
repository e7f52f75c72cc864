"""The search's SQLite store: every evaluation (genome, figures, board, timestamps) and every generation.

One file per search folder (`DIR/search.db`). Each evaluation is committed the moment it finishes,
so a run killed at any point loses at most the evaluations still in flight, and a rerun of the same
command finds everything else here: the GA replays deterministically from its seed and takes stored
figures instead of evaluating again. The run's settings are stored too; a rerun with different
settings is refused rather than mixed into the same front.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

from hil.errors import ConfigError
from hil.search import storefile
from hil.search.storefile import sqlite_errors

_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS evaluations (
    genome TEXT PRIMARY KEY,
    accuracy REAL NOT NULL,
    size_bytes INTEGER NOT NULL,
    cycles REAL,
    energy_uj REAL,
    feasible INTEGER NOT NULL,
    board TEXT,
    counter TEXT,
    energy_source TEXT,
    started REAL NOT NULL,
    finished REAL NOT NULL,
    busy_s REAL NOT NULL,
    extra TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS generations (
    generation INTEGER PRIMARY KEY,
    population TEXT NOT NULL,
    front TEXT NOT NULL,
    evaluations INTEGER NOT NULL,
    finished REAL NOT NULL
);
"""


@dataclass
class Evaluation:
    """The figures of one genome. cycles/energy_uj are None when the genome was infeasible (over the
    budget: never sent to a board) or the search measures no board figures."""

    genome: str
    accuracy: float
    size_bytes: int
    feasible: bool
    cycles: Optional[float] = None
    energy_uj: Optional[float] = None
    board: Optional[str] = None
    counter: Optional[str] = None
    energy_source: Optional[str] = None
    started: float = 0.0
    finished: float = 0.0
    busy_s: float = 0.0
    extra: dict = field(default_factory=dict)


class Store:
    """The store in `path` (a new one when the file is missing or empty). A file that is not an intact
    store, or rows that are not what the store wrote, are ConfigErrors naming the file."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"{self.path}: wanted a folder hil can create for the store ({exc.strerror})") from None
        self.db = storefile.open_store(self.path, _SCHEMA)

    def _reading(self):
        return sqlite_errors(self.path, "a readable hil search store")

    def _writing(self):
        return sqlite_errors(self.path, "a hil search store that takes new records")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def check_settings(self, settings: dict) -> bool:
        """Record the run's settings, or check them against a stored run. True when resuming."""
        with self._reading():
            rows = self.db.execute("SELECT key, value FROM settings").fetchall()
        stored = {k: storefile.setting_value(self.path, k, v) for k, v in rows}
        if not stored:
            with self._writing():
                self.db.executemany("INSERT INTO settings VALUES (?, ?)",
                                    [(k, json.dumps(v, sort_keys=True)) for k, v in settings.items()])  # fmt: skip
            return False
        for key, value in settings.items():
            if key in stored and stored[key] != value:
                raise ConfigError(
                    f"{self.path}: wanted the settings of the stored search ({key} = {stored[key]}), "
                    f"got {key} = {value}; use another --out to start a new search"
                )
        return True

    def put(self, e: Evaluation) -> None:
        row = asdict(e)
        row["extra"] = json.dumps(row["extra"], sort_keys=True)
        row["feasible"] = int(row["feasible"])
        cols = ", ".join(row)
        with self._writing():
            self.db.execute(f"INSERT OR IGNORE INTO evaluations ({cols}) VALUES ({', '.join('?' * len(row))})",
                            list(row.values()))  # fmt: skip

    def get(self, genome: str) -> Optional[Evaluation]:
        found = self._evaluations("WHERE genome = ?", (genome,))
        return found[0] if found else None

    def all(self) -> list[Evaluation]:
        return self._evaluations("ORDER BY finished")

    def count(self) -> int:
        with self._reading():
            return self.db.execute("SELECT COUNT(*) FROM evaluations").fetchone()[0]

    def _evaluations(self, where: str, args: tuple = ()) -> list[Evaluation]:
        columns = ", ".join(storefile.EVALUATION_COLUMNS)
        with self._reading():
            rows = self.db.execute(f"SELECT {columns} FROM evaluations {where}", args).fetchall()
        return [Evaluation(**storefile.evaluation(self.path, dict(zip(storefile.EVALUATION_COLUMNS, r)))) for r in rows]

    def put_generation(self, generation: int, population: list[str], front: list[str], evaluations: int,
                       finished: float) -> None:  # fmt: skip
        with self._writing():
            self.db.execute("INSERT OR REPLACE INTO generations VALUES (?, ?, ?, ?, ?)",
                            (generation, json.dumps(population), json.dumps(front), evaluations, finished))  # fmt: skip

    def generations(self) -> list[dict]:
        with self._reading():
            rows = self.db.execute("SELECT generation, population, front, evaluations, finished FROM generations "
                                   "ORDER BY generation").fetchall()  # fmt: skip
        return [storefile.generation(self.path, row) for row in rows]
