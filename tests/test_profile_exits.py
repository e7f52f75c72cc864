"""`hil profile` with early exits: a fixed exit, the confidence policy (histogram, mean cost, the board's
output the mirror's), the sweep of every exit and threshold with a baseline, and one line per bad option."""

from __future__ import annotations

import json

import pytest

from hil.cli import main
from tests.exit_models import exits_tflite
from tests.stream_models import gru_mask_tflite


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    from hil.audio.corpus import generate

    out = tmp_path_factory.mktemp("speech")
    generate(out, 8, seed=93, workers=2, progress=False)  # one test utterance
    return out


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    (folder / "exits.tflite").write_bytes(exits_tflite())
    (folder / "plain.tflite").write_bytes(gru_mask_tflite())
    return folder


def _profile(corpus, models, tmp_path, *extra):
    return main(["profile", "--board", "host", "--model", str(models / "exits.tflite"), "--audio", str(corpus),
                 "--limit", "1", "--out", str(tmp_path / "p"), "--json", str(tmp_path / "r.json"), *extra])  # fmt: skip


def test_profile_fixed_exit_and_policy(corpus, models, tmp_path, host_exe, capsys):
    assert _profile(corpus, models, tmp_path, "--exit", "1") == 0, capsys.readouterr().err
    r = json.loads((tmp_path / "r.json").read_text())
    hist = r["exits"]["histogram"]
    assert hist[1] == r["cost"]["frames"] and hist[0] == hist[2] == 0 and r["exit_policy"] == "exit 1"
    assert _profile(corpus, models, tmp_path, "--threshold", "0.5", "--compare-host") == 0, capsys.readouterr().err
    r = json.loads((tmp_path / "r.json").read_text())
    assert sum(r["exits"]["histogram"]) == r["cost"]["frames"] and r["host_agreement"]["max_abs_diff_lsb"] == 0
    assert "confidence 0.5: exits taken" in capsys.readouterr().out


def test_profile_sweeps_exits_and_thresholds_with_a_baseline(corpus, models, tmp_path, host_exe, capsys):
    rc = main(["profile", "--board", "host", "--model", str(models / "exits.tflite"), "--audio", str(corpus),
               "--limit", "1", "--out", str(tmp_path / "s"), "--sweep-exits", "--thresholds", "0.5",
               "--baseline", str(models / "plain.tflite")])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    sweep = json.loads((tmp_path / "s" / "exits_sweep.json").read_text())
    assert [r["config"] for r in sweep["rows"]] == ["exit 0", "exit 1", "exit 2", "confidence 0.5", "plain"]
    assert all("pesq_wb_delta" in r for r in sweep["rows"]) and (tmp_path / "s" / "exits_sweep.png").stat().st_size
    assert "hil profile --sweep-exits: exits on host" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--exit", "3"], r"--exit: wanted an exit of .* in 0\.\.2, got 3"),
    (["--threshold", "1.5"], r"--threshold: wanted a confidence threshold in \[0, 1\], got 1\.5"),
    (["--exit", "0", "--threshold", "0.5"], "wanted one"),
    (["--thresholds", "0.5"], "wanted with --sweep-exits"),
    (["--sweep-exits", "--thresholds", "0.5,x"], "wanted comma-separated numbers"),
    (["--plain", "--exit", "0"], "has no early exits"),
    (["--plain", "--sweep-exits"], "has no early exits"),
])  # fmt: skip
def test_bad_exit_options_are_one_line(corpus, models, tmp_path, capsys, args, message):
    model = models / ("plain.tflite" if "--plain" in args else "exits.tflite")
    rc = main(["profile", "--board", "host", "--model", str(model), "--audio", str(corpus), "--limit", "1",
               "--out", str(tmp_path / "p"), *[a for a in args if a != "--plain"]])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1 and err[0].startswith("hil: error:"), err
    assert __import__("re").search(message, err[0]), err[0]
