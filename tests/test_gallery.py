"""The model gallery (hil.bench.gallery: MLPerf Tiny's DS-CNN, ResNet-8, FC autoencoder, MobileNetV1-0.25
and a causal TCN, built in-tree) on the emulated F446: each compiles, lives where it fits (the
autoencoder, ResNet-8 and MobileNet in the flash slot), and gives outputs identical to TFLM."""

import json

import numpy as np
import pytest

from hil.bench import gallery
from hil.bench.models import random_rows
from hil.boards import get_board
from hil.compile.compiler import compile_tflite
from hil.link.slot import placement
from hil.run.rows import run_rows
from hil.step.reference import run_tflm
from hil.targets import target_for
from hil.targets.limits import model_limits

# where each model lives on the F446: blob + arena in the 102 KB model region, or the 384 KiB flash slot
PLACEMENT = {"ds-cnn-kws": "ram", "resnet8-ic": "flash", "fc-ae-ad": "flash", "mobilenet-v1-vww": "flash",
             "tcn-causal": "ram"}  # fmt: skip


@pytest.mark.parametrize("name", list(gallery.GALLERY))
def test_gallery_model_runs_on_the_emulated_board_bit_exact_with_tflm(name, stm32_elf):
    board = get_board("qemu-f446")
    tflite = gallery.tflite(name)
    model = compile_tflite(tflite)
    limits = model_limits(board)
    where = placement(model.model_bytes, model.arena_bytes, limits.model_ram_bytes, limits.slot_bytes)
    assert where == PLACEMENT[name]
    rows = random_rows(model, 2, seed=7)
    want = run_tflm(tflite, rows)
    target = target_for(board)
    if where == "flash":
        target.flash_model(model.blob)
    with target.session() as session:
        got, figures = run_rows(session, model, rows)
    assert figures["counter"] == "tim2-icount" and figures["macs"] == model.macs > 0
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.reshape(w.shape), w)


def test_bench_models_prints_figures_for_a_flash_model(capsys, stm32_elf):
    from hil import cli

    assert cli.main(["bench", "models", "--models", "fc-ae-ad", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    (row,) = result["models"]
    assert result["counter"] == "tim2-icount" and row["placement"] == "flash" and row["fits"]
    assert row["count"] > 0 and row["macs_per_count"] == round(row["macs"] / row["count"], 4)


def test_bench_models_refuses_an_unknown_model_in_one_line(capsys):
    from hil import cli

    assert cli.main(["bench", "models", "--models", "lenet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--models: wanted names from ds-cnn-kws" in err[0] and "'lenet'" in err[0]
