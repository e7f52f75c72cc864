"""Tasks for the mixed-precision search: splits, scores, and the zoo's float models on them."""

import numpy as np
import pytest

from hil.errors import ConfigError
from hil.tasks import evaluate_float, get_task, list_tasks
from hil.tasks.base import SPLITS, stratified_split

# task -> (steps, features, classes, split sizes), as the task modules document them
CLASSIFY = {
    "vowels": (29, 12, 9, {"train": 270, "val": 185, "test": 185}),
    "motions": (50, 6, 4, {"train": 40, "val": 20, "test": 20}),
    "digits": (8, 8, 10, {"train": 1078, "val": 360, "test": 359}),
}


def _rows(x: np.ndarray) -> list[bytes]:
    return [row.tobytes() for row in x]


def test_task_names_and_unknown_task():
    assert list_tasks() == ["digits", "motions", "se", "se-exits", "vowels"]
    with pytest.raises(ConfigError) as err:
        get_task("vowel")
    msg = str(err.value)
    assert "\n" not in msg and "'vowel'" in msg and "digits, motions, se, se-exits, vowels" in msg
    with pytest.raises(ConfigError, match=r"^task 'digits': wanted no options, got root$"):
        get_task("digits", root="/tmp")
    with pytest.raises(ConfigError, match=r"^task 'se': wanted options among \[root, utterances, .*got n_vals$"):
        get_task("se", n_vals=3)


def test_unknown_split_is_one_line():
    with pytest.raises(ConfigError, match=r"^task 'digits' split: wanted one of train, val, test, got 'valid'$"):
        get_task("digits").load("valid")


def test_stratified_split_partitions_every_class():
    labels = np.repeat(np.arange(4), [10, 7, 3, 20])
    parts = stratified_split(labels, (0.6, 0.2, 0.2), seed=3)
    joined = np.concatenate(parts)
    assert sorted(joined.tolist()) == list(range(len(labels)))
    assert [np.sum(labels[parts[0]] == c) for c in range(4)] == [6, 4, 2, 12]
    again = stratified_split(labels, (0.6, 0.2, 0.2), seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(parts, again))
    other = stratified_split(labels, (0.6, 0.2, 0.2), seed=4)
    assert not np.array_equal(parts[0], other[0])
    with pytest.raises(ConfigError, match="summing to 1"):
        stratified_split(labels, (0.5, 0.2), seed=0)


@pytest.mark.parametrize("name", sorted(CLASSIFY))
def test_classify_splits(name):
    steps, feats, classes, sizes = CLASSIFY[name]
    task = get_task(name)
    assert (task.kind, task.n_features, task.n_outputs, task.steps) == ("classify", feats, classes, steps)
    assert task.sizes() == sizes
    data = {s: task.load(s) for s in SPLITS}
    for split, (x, y) in data.items():
        assert x.dtype == np.float32 and x.shape == (sizes[split], steps, feats) and np.isfinite(x).all()
        assert y.dtype == np.int64 and y.shape == (sizes[split],) and set(y.tolist()) == set(range(classes))
    rows = [r for x, _ in data.values() for r in _rows(x)]
    assert len(set(rows)) == len(rows), f"{name}: a sequence is in two splits (or twice in one)"
    fresh = type(task)()  # no shared cache: built again from the seed
    for split in SPLITS:
        assert all(np.array_equal(a, b) for a, b in zip(fresh.load(split, seed=0), data[split]))
    x_other, _ = fresh.load("val", seed=1)
    assert _rows(x_other) != _rows(data["val"][0]), f"{name}: seed 1 gave the same val split as seed 0"
    x0, _ = task.load("train")
    x0[:] = 0  # callers get copies
    assert np.array_equal(task.load("train")[0], data["train"][0])


def test_classify_score():
    task = get_task("motions")
    y = np.array([0, 1, 2, 3, 3])
    logits = np.eye(4)[[0, 1, 2, 3, 0]][:, None, :] * np.ones((1, 5, 1))
    assert task.score(logits, y) == pytest.approx(0.8)
    assert task.score(logits[:, -1], y) == pytest.approx(0.8)
    with pytest.raises(ConfigError, match=r"wanted outputs \(N=5, \[T,\] 4\), got shape \(5, 3\)"):
        task.score(np.zeros((5, 3)), y)


@pytest.mark.parametrize("name", sorted(CLASSIFY))
def test_zoo_model_converts_and_keeps_its_score(name):
    from hil.convert.keras_to_tflite import calib_arrays, load_calib, load_model
    from hil.convert.streaming import gru_step_model
    from hil.zoo import zoo_card, zoo_path

    task = get_task(name)
    card = zoo_card(task.zoo_name)
    assert card["task"] == name and card["data"]["splits"] == task.sizes()
    step = gru_step_model(load_model(task.zoo_name))
    calib = calib_arrays(step, load_calib(zoo_path(task.zoo_name) / "calib.npy"))
    assert calib["state"].shape[1] == card["architecture"]["hidden"]
    for split in ("val", "test"):
        recorded = card["metrics_held_out"][f"{split}_accuracy"]
        assert evaluate_float(task, step, split) == pytest.approx(recorded, abs=0.006), f"{name} {split}"
    assert card["metrics_held_out"]["val_accuracy"] >= 0.9


# ---------------------------------------------------------------- se, on a 30-utterance corpus


@pytest.fixture(scope="module")
def se_task(tmp_path_factory):
    return get_task("se", root=tmp_path_factory.mktemp("speech"), utterances=30, n_val=3, n_test=3)


def _tiny_mask_model(seed: int):
    import keras

    from hil.zoo import deterministic

    deterministic(seed)
    x = inp = keras.Input((None, 161))
    x = keras.layers.Dense(8, activation="relu")(x)
    x = keras.layers.GRU(8, return_sequences=True)(x)
    return keras.Model(inp, keras.layers.Dense(161, activation="sigmoid")(x), name="tiny_se")


def test_se_splits(se_task, tmp_path):
    assert (se_task.kind, se_task.n_features, se_task.n_outputs, se_task.zoo_name) == ("mask", 161, 161, "nsnet2-small")
    assert se_task.sizes() == {"train": 24, "val": 3, "test": 3}
    data = {s: se_task.load(s) for s in SPLITS}
    for split, (x, y) in data.items():
        assert x.dtype == np.float32 and x.shape == (len(y), 201, 161) and np.isfinite(x).all()
        assert y["mask"].shape == x.shape and y["noisy"].shape == (len(y), 32000) and y["noisy"].dtype == np.int16
        assert 0 <= y["mask"].min() and y["mask"].max() <= 1
    rows = [r for _, y in data.values() for r in _rows(y["clean"])]
    assert len(set(rows)) == len(rows), "an utterance is in two splits"
    again = get_task("se", root=se_task.root, utterances=30, n_val=3, n_test=3).load("val")
    assert np.array_equal(again[0], data["val"][0]) and np.array_equal(again[1], data["val"][1])
    with pytest.raises(ConfigError, match=r"^task 'se' val: wanted 5 utterances, got 3 in "):
        get_task("se", root=se_task.root, utterances=30, n_val=5).load("val")


def test_se_score_follows_mask_quality(se_task):
    _, y = se_task.load("val")
    rep = se_task.report(np.ones_like(y["mask"]), y)
    assert rep["si_sdr_db"] == pytest.approx(rep["si_sdr_noisy_db"], abs=1e-3)  # mask 1 gives back the input
    halfway, ideal = (se_task.score(a * y["mask"] + (1 - a), y) for a in (0.5, 1.0))
    assert rep["si_sdr_noisy_db"] < halfway < ideal and ideal > rep["si_sdr_noisy_db"] + 3
    with pytest.raises(ConfigError, match=r"wanted masks of shape \(3, 201, 161\), got \(3, 201, 160\)"):
        se_task.score(y["mask"][..., :160], y)


def test_se_float_model_sequence_and_step_agree(se_task):
    from hil.convert.streaming import gru_step_model

    model = _tiny_mask_model(0)
    score = evaluate_float(se_task, model, "val")
    assert np.isfinite(score)
    assert evaluate_float(se_task, gru_step_model(model), "val") == pytest.approx(score, abs=1e-3)
    _, y = se_task.load("val")
    assert score < se_task.score(y["mask"], y)  # an untrained model is far from the ideal mask


def test_se_refuses_a_corpus_made_otherwise(tmp_path):
    from hil.audio.corpus import generate

    generate(tmp_path, 3, seed=0, noises=["white"], progress=False)
    before = sorted(p.name for p in (tmp_path / "train" / "noisy").iterdir())
    with pytest.raises(ConfigError, match=r"^task 'se': wanted the corpus in .* got other parameters \{'noises'"):
        get_task("se", root=tmp_path, utterances=3, n_val=1, n_test=1).load("val")
    assert sorted(p.name for p in (tmp_path / "train" / "noisy").iterdir()) == before
