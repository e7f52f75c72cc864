"""`hil nightly` on a farm of emulated boards: two runs of the same matrix, the second on a firmware built
with the reference kernels, whose costs must be flagged; the history, the comparison rules, the report."""

from __future__ import annotations

import json
import sqlite3
import subprocess

import pytest

from hil.cli import main
from hil.nightly.compare import verdict
from hil.nightly.matrix import Thresholds
from tests.farm_fixtures import ROOT, coordinator, exporter

MATRIX = """
boards: [qemu-f446]
models: [nsnet2-small]
audio: {audio}
jobs:
  - {{kind: profile, split: val, limit: 1}}
  - {{kind: bench-kernels}}
  - {{kind: search, task: digits, population: 4, generations: 1, val_limit: 30}}
thresholds: {{quality: 0.02, energy: 0.05, timing: 0.10}}
"""


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    out = tmp_path_factory.mktemp("speech")
    assert main(["data", "speech", "--out", str(out), "--utterances", "6", "--seed", "0"]) == 0
    return out


@pytest.fixture(scope="module")
def reference_elf(stm32_elf):
    """The same firmware with every run on the reference kernels: the injected regression."""
    subprocess.run(["make", "-C", str(ROOT / "firmware"), "stm32f4", "BUILD=build/ref", "KERNELS=reference",
                    "FW_VERSION=0.1.0-ref"], check=True, capture_output=True)  # fmt: skip
    return ROOT / "firmware" / "build" / "ref" / "stm32f4" / "hil-fw.elf"


def test_second_nightly_on_reference_kernels_is_flagged(tmp_path, speech, reference_elf, capsys):
    matrix = tmp_path / "matrix.yaml"
    matrix.write_text(MATRIX.format(audio=speech))
    history = tmp_path / "history.db"
    argv = ["nightly", str(matrix), "--history", str(history), "--json"]
    with coordinator(tmp_path) as address:
        with exporter(address, "n", log=tmp_path / "n1.log"):
            assert main([*argv, "--farm", address, "--out", str(tmp_path / "run1")]) == 0, capsys.readouterr().err
        first = json.loads(capsys.readouterr().out)
        with exporter(address, "n", elf=reference_elf, log=tmp_path / "n2.log"):
            assert main([*argv, "--farm", address, "--out", str(tmp_path / "run2")]) == 1
        out, err = capsys.readouterr()
    second = json.loads(out)
    assert first["regressions"] == [] and {c["status"] for c in first["cells"]} == {"ok"}
    assert "regression(s)" in err.strip().splitlines()[-1] and "report.html" in err
    flagged = {(r["job"], r["metric"]) for r in second["regressions"]}
    assert ("profile", "ticks_per_frame.model") in flagged
    assert ("bench-kernels", "fully_connected 64x64 optimized") in flagged
    assert ("bench-kernels", "fully_connected 64x64 reference") not in flagged  # the reference kernels did not move
    assert all(r["rule"] in ("exact", "energy") for r in second["regressions"])
    db = sqlite3.connect(history)
    provenance = set(db.execute("SELECT firmware, board, serial, place, counter FROM figures WHERE job = 'bench-kernels'"))
    assert provenance == {("0.1.0", "qemu-f446", "n-0", "qemu-f446-n-0", "tim2-icount"),
                          ("0.1.0-ref", "qemu-f446", "n-0", "qemu-f446-n-0", "tim2-icount")}  # fmt: skip
    assert {s for (s,) in db.execute("SELECT DISTINCT energy_source FROM figures WHERE kind = 'energy'")} == {"model"}
    html = (tmp_path / "run2" / "report.html").read_text()
    assert html.index("Regressions") < html.index("Trends") < html.index("This run")
    assert html.count("<img") == len(second["figures"]) and html.count("<table>") == 3
    assert "ticks_per_frame.model" in html and 'class="regression"' in html


@pytest.mark.parametrize("figure,before,want", [
    ({"value": 101.0, "kind": "count", "counter": "tim2-icount", "better": "lower"}, 100.0, "regression"),
    ({"value": 99.0, "kind": "count", "counter": "tim2-icount", "better": "lower"}, 100.0, "better"),
    ({"value": 105.0, "kind": "count", "counter": "dwt", "better": "lower"}, 100.0, "worse-within"),
    ({"value": 111.0, "kind": "count", "counter": "dwt", "better": "lower"}, 100.0, "regression"),
    ({"value": 2.45, "kind": "quality", "counter": None, "better": "higher"}, 2.5, "worse-within"),
    ({"value": 2.4, "kind": "quality", "counter": None, "better": "higher"}, 2.5, "regression"),
    ({"value": 1.0, "kind": "info", "counter": None, "better": "higher"}, 100.0, "worse-within"),
    ({"value": 7.0, "kind": "size", "counter": None, "better": "lower"}, 7.0, "same"),
])  # fmt: skip
def test_comparison_rules(figure, before, want):
    assert verdict(figure, before, Thresholds())[0] == want


def test_a_bad_matrix_is_one_line(tmp_path, capsys):
    matrix = tmp_path / "m.yaml"
    matrix.write_text("boards: [qemu-f446]\njobs:\n  - {kind: lunch}\n")
    assert main(["nightly", str(matrix), "--out", str(tmp_path / "r"), "--history", str(tmp_path / "h.db")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "job kind 'lunch': wanted one of profile, bench-kernels" in err[0], err
