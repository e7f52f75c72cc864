"""Issue 9 (hardening) for the search: damaged stores as one line.
(Emulators that live as long as the search: test_search.py.)"""

from __future__ import annotations

import os
import sqlite3

import pytest

from hil.errors import ConfigError
from hil.search.store import Store
from tests.fuzz.fuzz_store import SETTINGS, store_bytes

# --- 2. a damaged store is one line naming the file


def _sqlite_with(path, *statements):
    db = sqlite3.connect(path)
    for sql in statements:
        db.execute(sql)
    db.commit()
    db.close()


def _damaged(kind, path):
    good = store_bytes(evaluations=300, generations=2)
    if kind == "random bytes":
        path.write_bytes(os.urandom(3000))
    elif kind == "text file":
        path.write_text("genome,accuracy\n8-8-8,0.9\n")
    elif kind == "truncated store":
        path.write_bytes(good[: len(good) // 2])
    elif kind == "damaged page":
        path.write_bytes(good[:8192] + os.urandom(4096) + good[12288:])
    elif kind == "other program's database":
        _sqlite_with(path, "CREATE TABLE customers (id INTEGER, name TEXT)", "INSERT INTO customers VALUES (1, 'x')")
    elif kind == "store with other columns":
        _sqlite_with(
            path, "CREATE TABLE evaluations (genome TEXT, score REAL)", "INSERT INTO evaluations VALUES ('8', 1)"
        )
    elif kind == "view instead of a table":
        _sqlite_with(path, "CREATE VIEW generations AS SELECT 1 AS generation")
    elif kind == "bad figures":
        path.write_bytes(store_bytes(evaluations=2))
        _sqlite_with(path, "UPDATE evaluations SET extra = '{not json', accuracy = 'high'")
    elif kind == "bad genome key":
        path.write_bytes(store_bytes(evaluations=2))
        _sqlite_with(path, "UPDATE evaluations SET genome = genome || '-x'")
    elif kind == "bad settings":
        path.write_bytes(store_bytes())
        _sqlite_with(path, "UPDATE settings SET value = '[1,'")
    elif kind == "bad generation":
        path.write_bytes(store_bytes(evaluations=2, generations=1))
        _sqlite_with(path, "UPDATE generations SET population = '{\"a\": 1}'")
    elif kind == "folder":
        path.mkdir()


DAMAGE = ["random bytes", "text file", "truncated store", "damaged page", "other program's database",
          "store with other columns", "view instead of a table", "bad figures", "bad genome key", "bad settings",
          "bad generation", "folder"]  # fmt: skip


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_damaged_store_is_one_line_naming_the_file(kind, tmp_path):
    path = tmp_path / "search.db"
    _damaged(kind, path)
    with pytest.raises(ConfigError) as e:
        with Store(path) as store:
            store.check_settings(SETTINGS)
            store.all()
            store.generations()
    msg = str(e.value)
    assert str(path) in msg and "wanted" in msg and "\n" not in msg, msg


def test_a_valid_store_reads_back(tmp_path):
    path = tmp_path / "search.db"
    path.write_bytes(store_bytes(evaluations=8, generations=3))
    with Store(path) as store:
        assert store.check_settings(SETTINGS) is True
        assert store.count() == len(store.all()) == 8
        assert [g["generation"] for g in store.generations()] == [0, 1, 2]


def test_a_store_too_slow_to_check_is_refused(tmp_path, monkeypatch):
    """A file SQLite takes long to check (a crafted one could take for ever) is refused after CHECK_S."""
    from hil.search import storefile

    path = tmp_path / "search.db"
    path.write_bytes(store_bytes(evaluations=300))
    monkeypatch.setattr(storefile, "CHECK_S", 0.0)
    with pytest.raises(ConfigError, match="wanted an intact hil search store, got no answer within 0 s"):
        Store(path)
