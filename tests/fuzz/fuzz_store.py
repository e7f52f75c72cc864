"""The search store as a rerun finds it: `DIR/search.db` is a file anyone can hand hil (copied, truncated,
damaged, or another program's SQLite database). Opening it and reading everything a resume reads must
end in the data or in a one-line HilError naming the file, never in sqlite3's or json's own exceptions.

Two modes, picked by the input: a file that starts with SQLite's magic is the file itself (damage at
the page level); anything else is a list of typed values (fields split at 0x00, the first byte of each
saying int/float/blob/null/text) written as rows into an intact store, so that every column of every
table gets values of every type, including text that is not UTF-8 (damage inside intact pages)."""

import functools
import os
import sqlite3
import struct
import tempfile
from pathlib import Path

from hil.errors import HilError
from hil.search.genome import genome_key
from hil.search.store import Evaluation, Store

SETTINGS = {"task": "toy", "seed": 1, "population": 8, "objectives": ["accuracy", "size"]}
_MAGIC = b"SQLite format 3\x00"
_TABLES = (("evaluations", 13), ("settings", 2), ("generations", 5))
_SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") else None  # memory: the store's fsyncs cost nothing there


def store_bytes(evaluations: int = 0, generations: int = 0, settings: dict | None = SETTINGS) -> bytes:
    """The bytes of a valid store holding these many evaluations and generations."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "search.db"
        with Store(path) as store:
            if settings is not None:
                store.check_settings(settings)
            keys = [genome_key([2 + i // 7**j % 7 for j in range(6)]) for i in range(evaluations)]
            for i, key in enumerate(keys):
                feasible = i % 3 != 0
                store.put(Evaluation(key, 0.5 + i / 100, 1000 + 10 * i, feasible, cycles=1e4 + i if feasible else None,
                                     board="qemu-f446#0" if feasible else None, started=i, finished=i + 0.5,
                                     busy_s=0.5, extra={"i": i}))  # fmt: skip
            for g in range(generations):
                store.put_generation(g, keys, keys[:2], len(keys), 10.0 + g)
        return path.read_bytes()


@functools.lru_cache(maxsize=1)
def _empty_store() -> bytes:
    return store_bytes(settings=None)


def _value(field: bytes):
    """One typed value: i<int64> f<double> (little-endian, short is zero-extended) b<blob> n (NULL); anything
    else is text (its bytes, UTF-8 or not)."""
    kind, body = field[:1], field[1:]
    if kind == b"i":
        return int.from_bytes(body[:8], "little", signed=True), "?"
    if kind == b"f":
        return struct.unpack("<d", body[:8].ljust(8, b"\x00"))[0], "?"
    if kind == b"b":
        return body, "?"
    if kind == b"n":
        return None, "?"
    return body, "CAST(? AS TEXT)"


def _write_rows(path: Path, data: bytes) -> None:
    """The values, a row at a time, into the tables in turn (rows a constraint refuses are skipped)."""
    values = [_value(f) for f in data.split(b"\x00")]
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous = OFF")  # a scratch file: no need to wait for the disk
    row = 0
    while values:
        table, width = _TABLES[row % len(_TABLES)]
        cells, values = (values + [(None, "?")] * width)[:width], values[width:]
        try:
            db.execute(f"INSERT OR IGNORE INTO {table} VALUES ({', '.join(sql for _, sql in cells)})",
                       [v for v, _ in cells])  # fmt: skip
        except sqlite3.Error:  # e.g. text for generations' INTEGER PRIMARY KEY: SQLite itself refuses it
            pass
        row += 1
    db.commit()
    db.close()


def _fields(*values: bytes) -> bytes:
    return b"\x00".join(values)


def seeds() -> dict[str, bytes]:
    good = _fields(b"t2-3-4-5-6-7", b"f" + struct.pack("<d", 0.9), b"i\xd2\x04", b"n", b"n",
                   b"i\x01", b"tqemu-f446#0", b"ttim2-icount", b"tmodel", b"f", b"f", b"f", b"t{}",
                   b"tseed", b"t1", b"i", b't["2-3-4-5-6-7"]', b"t[]", b"i\x01", b"f")  # fmt: skip
    return {
        "empty": store_bytes(settings=None),
        "settings": store_bytes(),
        "evaluations": store_bytes(evaluations=5),
        "generations": store_bytes(evaluations=8, generations=3),
        "rows": good,
        "rows-not-utf8": good.replace(b"t2-3-4", b"t2-\xff-4"),
    }


def one_input(data: bytes) -> None:
    with tempfile.TemporaryDirectory(dir=_SCRATCH) as tmp:
        path = Path(tmp) / "search.db"
        if data.startswith(_MAGIC):
            path.write_bytes(data)
        else:
            path.write_bytes(_empty_store())
            _write_rows(path, data)
        try:
            with Store(path) as store:
                store.check_settings(SETTINGS)
                evals = store.all()
                for e in evals[:3]:
                    store.get(e.genome)
                store.get("8-8-8-8-8-8")
                store.count()
                store.generations()
        except HilError as exc:
            if "\n" in str(exc):  # the CLI shows it as one line
                raise AssertionError(f"a store error of more than one line: {exc!r}") from None
