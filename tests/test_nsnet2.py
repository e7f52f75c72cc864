"""nsnet2-small: the shipped artifact fits the F446 and enhances held-out speech in int8; `hil train` retrains it.

The held-out corpus uses another seed than the one the model trained on (DATA['seed'] = 0)."""

import json

import numpy as np
import pytest

from hil.cli import main
from hil.zoo import zoo_card, zoo_path

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

NAME = "nsnet2-small"
CORPUS_SEED = 77


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """40 utterances (train 32, val 4, test 4) generated with a seed the model never saw."""
    from hil.audio.corpus import generate

    out = tmp_path_factory.mktemp("speech")
    generate(out, 40, seed=CORPUS_SEED, workers=2, progress=False)
    return out


@pytest.fixture(scope="module")
def shipped():
    """The shipped step model, its int8 flatbuffer and the compiled blob."""
    from hil.compile.compiler import compile_tflite
    from hil.convert.keras_to_tflite import convert_model, load_calib, load_model

    model = load_model(NAME)
    tflite = convert_model(model, load_calib(zoo_path(NAME) / "calib.npy"))
    return model, tflite, compile_tflite(tflite)


def test_shipped_card_records_sizes_and_an_improvement(shipped):
    model, _, compiled = shipped
    card = zoo_card(NAME)
    assert card["params"] == model.count_params() < 80_000
    assert [t.name for t in model.inputs] == ["features", "state_0", "state_1"]
    assert card["int8"]["model_bytes"] == compiled.model_bytes and card["int8"]["arena_bytes"] == compiled.arena_bytes
    q = card["metrics_held_out"]
    assert q["utterances"] >= 40
    for kind in ("float", "int8"):
        assert q[f"{kind}_delta"]["pesq_wb"] > 0.2 and q[f"{kind}_delta"]["si_sdr_db"] > 1.0, (kind, q)
    for f in ("model.keras", "calib.npy", "card.json"):
        assert (zoo_path(NAME) / f).stat().st_size < 1_000_000, f


def test_shipped_int8_model_fits_the_f446(shipped):
    from hil.boards import get_board
    from hil.step.roles import step_io
    from hil.targets.limits import check_fits, model_limits

    _, tflite, compiled = shipped
    io = step_io(tflite)
    assert [(a.shape[-1], b.shape[-1]) for a, b in io.states] == [(56, 56), (56, 56)]
    fits = check_fits(compiled.model_bytes, compiled.arena_bytes, model_limits(get_board("qemu-f446")))
    assert fits["ram_needed_bytes"] <= fits["model_ram_bytes"]


def test_shipped_int8_model_enhances_held_out_speech_in_the_simulator(shipped, corpus):
    from hil.tasks.se_eval import evaluate_pairs, int8_mask_fn, read_pairs

    _, tflite, _ = shipped
    result = evaluate_pairs(read_pairs(corpus, "test"), {"int8": int8_mask_fn(tflite, engine="sim")})
    assert result["utterances"] == 4, result  # measured: PESQ +0.81, SI-SDR +2.0 dB
    assert result["int8_delta"]["pesq_wb"] > 0.1, result
    assert result["int8_delta"]["si_sdr_db"] > 1.0, result


def test_hil_train_retrains_into_a_folder_from_any_corpus(corpus, tmp_path, capsys):
    from hil.convert.keras_to_tflite import load_model

    out = tmp_path / "model"
    assert main(["train", NAME, "--data", str(corpus), "--epochs", "1", "--out", str(out), "--json"]) == 0
    card = json.loads(capsys.readouterr().out)
    model = load_model(out / "model.keras")
    calib = np.load(out / "calib.npy")
    assert list(calib.dtype.names) == [t.name for t in model.inputs] == ["features", "state_0", "state_1"]
    assert json.loads((out / "card.json").read_text())["params"] == model.count_params() == card["params"]
    assert card["training"]["epochs"] == 1 and card["data"]["dir"] == str(corpus)
    assert card["metrics_held_out"]["utterances"] == 4 and card["int8"]["model_bytes"] > 0


@pytest.mark.parametrize(
    "argv, wanted",
    [
        (["train", "gru-step-tiny", "--data", "/tmp"], "takes no --data"),
        (["train", "no-such-model"], "wanted one of"),
        (["train", NAME, "--data", "/no/such/corpus"], "no such folder"),
        (["train", NAME, "--epochs", "0"], "at least 1"),
    ],
)
def test_hil_train_errors_are_one_line(argv, wanted, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("hil: error: ") and wanted in err and err.count("\n") == 1, err


def test_training_is_deterministic_for_a_seed(corpus):
    from hil.zoo import load_recipe

    recipe = load_recipe(NAME)
    runs = [recipe.train(seed=3, data=corpus, epochs=1) for _ in range(2)]
    (step_a, _, calib_a, _), (step_b, _, calib_b, _) = runs
    for wa, wb in zip(step_a.get_weights(), step_b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert calib_a.tobytes() == calib_b.tobytes()
