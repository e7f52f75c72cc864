"""Benchmarks run and print labelled figures (their numbers are reported, not asserted as speeds)."""

import json

import pytest

from hil import cli
from hil.bench import kernels
from tests.conftest import EMULATED_BOARDS, EMULATED_COUNTERS


@pytest.mark.parametrize("board", EMULATED_BOARDS)
def test_bench_kernels_reports_both_kernel_sets(capsys, monkeypatch, board):
    rows = [("fully_connected", "64x64"), ("conv_2d 1x1", "16px 64->128"), ("depthwise 1x3", "1x24x128 d2"),
            ("average_pool 25x5", "25x5x32 (DS-CNN)"), ("max_pool 2x2", "16x16x12 s2"), ("mp_gru 3-bit", "64x64")]
    monkeypatch.setattr(kernels, "CASES", [c for c in kernels.CASES if c[:2] in rows])
    assert cli.main(["bench", "kernels", "--json", "--board", board]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["counter"] == EMULATED_COUNTERS[board] and result["board"] == board
    assert [(r["kernel"], r["shape"]) for r in result["kernels"]] == rows
    assert result["kernels"][5]["macs"] == 3 * 64 * (64 + 64)  # the six matrices of one step
    for row in result["kernels"]:
        for impl in ("reference", "optimized"):
            assert row[impl]["count"] > 0
            assert abs(row[impl]["macs_per_count"] - row["macs"] / row[impl]["count"]) < 1e-3
            assert abs(row[impl]["count_per_element"] - row[impl]["count"] / row["elements"]) < 0.01
    assert [r["macs"] for r in result["kernels"][3:5]] == [0, 0]  # pools: a figure per output element
    # every one of these ops has an optimized kernel that pays on both cores (kernel_sets/): the M4's SMLAD
    # kernels, on qemu-rv32 its own for FULLY_CONNECTED, CONV_2D and the pools (src/kernels/rv32/) and the
    # M4's portable C for the depthwise and MP-GRU ones
    faster = {r["kernel"]: r["optimized"]["count"] < r["reference"]["count"] for r in result["kernels"]}
    assert faster == {k: True for k in faster}


def test_bench_kernels_has_an_mp_gru_row_per_width():
    assert [c[0] for c in kernels.CASES if c[0].startswith("mp_gru")] == [f"mp_gru {b}-bit" for b in range(8, 1, -1)]


def test_bench_kernels_table(capsys, monkeypatch, stm32_elf):
    monkeypatch.setattr(kernels, "CASES", kernels.CASES[:1])
    assert cli.main(["bench", "kernels"]) == 0
    out = capsys.readouterr().out
    assert "MACs/instruction" in out and "fully_connected" in out
