"""What a `search.db` must be before the store trusts it, and what each of its rows must hold.

The file comes from disk: a rerun may find it copied, truncated, damaged, or replaced by another
program's SQLite database. So it is opened with a time limit, checked with SQLite's quick_check,
and its schema compared with the store's own (nothing more: no views or triggers, which would run
SQL the store did not write); every row read is checked for the types the store wrote. Anything
else is a ConfigError naming the file, never sqlite3's or json's own exception.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sqlite3
import time
from pathlib import Path

from hil.errors import ConfigError
from hil.search.genome import genome_key, parse_genome_key

CHECK_S = 10.0  # opening and checking a store: a real one takes milliseconds
_NUMBER, _INT, _TEXT = (int, float), (int,), (str,)
_NOT_JSON = object()
# column: (types SQLite may hand back, NULL allowed); as Store.put writes them
EVALUATION_COLUMNS = {
    "genome": (_TEXT, False), "accuracy": (_NUMBER, False), "size_bytes": (_INT, False), "cycles": (_NUMBER, True),
    "energy_uj": (_NUMBER, True), "feasible": (_INT, False), "board": (_TEXT, True), "counter": (_TEXT, True),
    "energy_source": (_TEXT, True), "started": (_NUMBER, False), "finished": (_NUMBER, False),
    "busy_s": (_NUMBER, False), "extra": (_TEXT, False),
}  # fmt: skip


@contextlib.contextmanager
def sqlite_errors(path: Path, wanted: str):
    """sqlite3's exceptions (and text that is not UTF-8) as one ConfigError line naming the file."""
    try:
        yield
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        said = " ".join(str(exc).split())[:200]  # SQLite may quote the file's own text, newlines included
        got = ("text that is not UTF-8" if isinstance(exc, UnicodeDecodeError) else
               f"no answer within {CHECK_S:g} s" if said == "interrupted" else f"SQLite's '{said}'")  # fmt: skip
        raise ConfigError(f"{path}: wanted {wanted}, got {got}; move it away or use another --out") from None


def open_store(path: Path, schema: str) -> sqlite3.Connection:
    """An autocommit connection to the store at `path` (created when missing or empty), checked."""
    with sqlite_errors(path, "a hil search store SQLite can open"):
        db = sqlite3.connect(path, isolation_level=None, timeout=CHECK_S)  # autocommit: each write is durable
    try:
        with sqlite_errors(path, "an intact hil search store"):
            deadline = time.monotonic() + CHECK_S
            db.set_progress_handler(lambda: time.monotonic() > deadline, 1000)
            db.execute("PRAGMA trusted_schema = OFF")
            db.execute("PRAGMA cell_size_check = ON")
            _check_file(db, path, schema)
            db.execute("PRAGMA journal_mode = WAL")
            db.executescript(schema)
            db.set_progress_handler(None, 0)
    except BaseException:
        db.close()
        raise
    return db


def _check_file(db: sqlite3.Connection, path: Path, schema: str) -> None:
    report = [str(row[0]) for row in db.execute("PRAGMA quick_check")]
    if report != ["ok"]:
        # lines like "*** in database main ***\nPage 3: btreeInitPage() returns error code 11"
        lines = [line for r in report for line in r.splitlines() if line.strip() and not line.startswith("***")]
        first = lines[0][:160] if lines else "nothing readable"
        raise ConfigError(f"{path}: wanted an intact hil search store, got damage SQLite reports as '{first}' "
                          f"({len(lines)} found); move it away or use another --out")  # fmt: skip
    own = _schema_of(schema)
    kinds = {n: k for k, n, _ in own}
    for kind, name, sql in db.execute("SELECT type, name, sql FROM sqlite_master"):
        if (kind, name, sql) in own or (kind == "table" and str(name).startswith("sqlite_")):
            continue
        got = f"{kind} {str(name)[:40]!r}" + (f" unlike the store's {kinds[name]} of that name" if name in kinds
                                              else ", which a store does not have")  # fmt: skip
        raise ConfigError(f"{path}: wanted only the tables of a hil search store ({', '.join(_tables(own))}), "
                          f"got {got}; move it away or use another --out")  # fmt: skip


@functools.lru_cache(maxsize=4)
def _schema_of(schema: str) -> frozenset:
    """(type, name, sql) of every object the store's own schema creates."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(schema)
        return frozenset(db.execute("SELECT type, name, sql FROM sqlite_master"))
    finally:
        db.close()


def _tables(own: frozenset) -> list[str]:
    return sorted(n for k, n, _ in own if k == "table")


def _wrong(path: Path, where: str, wanted: str, got) -> ConfigError:
    return ConfigError(f"{path}: {where}: wanted {wanted}, got {str(got)[:80]!r}; move it away or use another --out")


def _json(path: Path, where: str, text, kind: type = object):
    value = _NOT_JSON
    if isinstance(text, str):
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):  # not JSON; nested deeper than Python's stack
            pass
    if value is _NOT_JSON or not isinstance(value, kind):
        raise _wrong(path, where, "JSON text" if kind is object else f"a JSON {kind.__name__}", text)
    return value


def setting_value(path: Path, key, text):
    """A stored setting's value (JSON text)."""
    return _json(path, f"setting {str(key)[:40]!r}", text)


def evaluation(path: Path, row: dict) -> dict:
    """The fields of an Evaluation from a row of the evaluations table, each checked."""
    where = f"evaluation {str(row.get('genome'))[:40]!r}"
    for column, (kinds, nullable) in EVALUATION_COLUMNS.items():
        _check_type(path, f"{where}, {column}", row.get(column), kinds, nullable)
    try:
        canonical = genome_key(parse_genome_key(row["genome"], bit_widths=False))
    except ConfigError:
        canonical = None
    if canonical != row["genome"]:
        raise _wrong(path, where, "a genome key (bit widths 2..8 joined by '-')", row["genome"])
    if row["feasible"] not in (0, 1):
        raise _wrong(path, f"{where}, feasible", "0 or 1", row["feasible"])
    return {**row, "feasible": bool(row["feasible"]), "extra": _json(path, f"{where}, extra", row["extra"], dict)}


def _check_type(path: Path, where: str, value, kinds: tuple, nullable: bool = False) -> None:
    if not (isinstance(value, kinds) or (value is None and nullable)):
        raise _wrong(path, where, " or ".join(k.__name__ for k in kinds), value)


def generation(path: Path, row: tuple) -> dict:
    """A row of the generations table as a dict, each field checked."""
    g, population, front, evaluations, finished = row
    where = f"generation {g if isinstance(g, int) else repr(str(g)[:20])}"
    for name, value, kinds in (("generation", g, _INT), ("evaluations", evaluations, _INT),
                               ("finished", finished, _NUMBER)):  # fmt: skip
        _check_type(path, f"{where}, {name}", value, kinds)
    keys = {name: _json(path, f"{where}, {name}", text, list) for name, text in (("population", population),
                                                                                ("front", front))}  # fmt: skip
    for name, values in keys.items():
        if not all(isinstance(k, str) for k in values):
            raise _wrong(path, f"{where}, {name}", "a list of genome keys", values)
    return {"generation": g, **keys, "evaluations": evaluations, "finished": finished}
