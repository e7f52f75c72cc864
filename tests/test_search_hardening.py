"""Issue 9 (hardening) for the search: damaged stores and unwritable folders as one line, a search
where nothing fits, exact budgets. (Emulators that live as long as the search: test_search.py.)"""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from hil.cli import main
from hil.errors import ConfigError
from hil.search.budget import format_bytes, parse_budget
from hil.search.results import summary
from hil.search.store import Evaluation, Store
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


def test_search_refuses_a_damaged_store_before_any_work(tmp_path, capsys, monkeypatch):
    _no_work(monkeypatch)
    out = tmp_path / "s"
    out.mkdir()
    (out / "search.db").write_bytes(os.urandom(2000))
    assert main(["search", "--budget", "64kB", "--task", "digits", "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hil: error:") and str(out / "search.db") in err[0], err


def _no_work(monkeypatch):
    from hil.search import problem

    def refuse(*a, **kw):
        raise AssertionError("the search started its work before checking its options")

    monkeypatch.setattr(problem, "MpGruProblem", refuse)


@pytest.mark.parametrize("where", ["proc", "under a file", "read-only"])
def test_search_refuses_an_unwritable_out_before_any_work(where, tmp_path, capsys, monkeypatch):
    _no_work(monkeypatch)
    (tmp_path / "file").write_text("x")
    # sysfs refuses new folders even to root (the tests run as root, who writes into chmod-ed folders)
    out = {"proc": "/proc/x", "under a file": str(tmp_path / "file" / "s"), "read-only": "/sys/hil-test/s"}[where]
    assert main(["search", "--budget", "64kB", "--task", "digits", "--out", out]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hil: error: --out: wanted") and out in err[0], err


# --- 4. nothing fits


def test_summary_never_names_an_infeasible_genome():
    evals = [Evaluation("8-8", 0.90, 3184, False), Evaluation("6-6", 0.89, 2500, False),
             Evaluation("2-2", 0.40, 900, True)]  # fmt: skip
    s = summary(evals, 2, "accuracy")
    assert "smallest_within_tolerance" not in s and "size_reduction_vs_int8" not in s
    assert s["feasible_evaluations"] == 1 and "no feasible genome" in s["note"]
    none = summary(evals[:2], 2, "accuracy", budget_bytes=64)
    assert none["nothing_fits"] is True and none["smallest_seen"]["size_bytes"] == 2500
    assert "nothing fits the budget of 64 B" in none["note"] and "2,500 B" in none["note"]


def test_search_where_nothing_fits_says_so_and_exits_1(tmp_path, capsys):
    out = tmp_path / "s"
    argv = ["search", "--budget", "64", "--task", "digits", "--population", "4", "--generations", "1", "--seed", "1",
            "--out", str(out), "--json"]  # fmt: skip
    assert main(argv) == 1
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith("hil: error: nothing fits the budget of 64 B"), captured.err
    s = json.loads((out / "summary.json").read_text())
    assert s["nothing_fits"] is True and s["feasible_evaluations"] == 0 and "smallest_within_tolerance" not in s
    assert f"{s['smallest_seen']['size_bytes']:,} B" in errors[0]
    assert json.loads(captured.out)["nothing_fits"] is True  # --json still prints the summary
    with Store(out / "search.db") as store:  # nothing lost: every evaluation is in the store
        assert store.count() == s["evaluations"] > 0


# --- 5 and 7. budgets parse exactly; a negative budget reaches our message


@pytest.mark.parametrize("text,want", [
    ("64.1kB", 64100), ("99999999999999999999999MiB", 99999999999999999999999 * 2**20), ("0.001kB", 1),
    ("1.25KiB", 1280), ("12345678901234567.000kB", 12345678901234567000), ("18014398509481985", 2**54 + 1),
])  # fmt: skip
def test_budget_parses_exactly(text, want):
    assert parse_budget(text) == want


@pytest.mark.parametrize("text,said", [("64.0001kB", "= 64000.1 B"), ("1.5B", "= 1.5 B"), ("0.0001KiB", "= 0.1024 B"),
                                       ("-5kB", "negative"), ("-5", "negative"), ("0", "= 0 B")])  # fmt: skip
def test_budget_refusals_say_what_was_got(text, said):
    with pytest.raises(ConfigError, match="--budget: wanted") as e:
        parse_budget(text)
    assert said in str(e.value) and "\n" not in str(e.value)


def test_format_bytes_is_exact():
    assert format_bytes(65536) == "65,536 B (64.0 KiB)"
    assert format_bytes(64000) == "64,000 B (62.5 KiB)"
    assert format_bytes(2**80 + 1536) == f"{2**80 + 1536:,} B ({2**70 + 1}.5 KiB)"  # beyond a float's 53 bits


@pytest.mark.parametrize("flags", [["--budget", "-5kB"], ["--budget=-5kB"], ["--budget", "-0.5MiB"]])
def test_negative_budget_is_our_one_line(flags, tmp_path, capsys):
    assert main(["search", *flags, "--task", "digits", "--out", str(tmp_path / "s")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hil: error: --budget: wanted") and "negative" in err[0], err


def test_budget_still_refuses_a_real_option_as_its_value(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["search", "--budget", "--task", "digits", "--out", str(tmp_path / "s")])
    assert "--budget: expected one argument" in capsys.readouterr().err
