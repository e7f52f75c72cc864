"""Training a task's GRU classifier the way the streaming tools can take it.

The saved model is `Input(T, F) -> [Dense pre] -> GRU(H, return_sequences) -> Dense(classes)` with
logits at every step, which hil.convert.streaming.gru_step_model turns into one step. Training reads
only the last step: a wrapper model slices the logits, and is thrown away afterwards, so the saved
model has no slice layer.
"""

from __future__ import annotations

import numpy as np

N_CALIB = 200  # calibration rows shipped in calib.npy


def build_classifier(name: str, n_features: int, n_classes: int, hidden: int, pre: int = 0,
                     pre_activation: str = "tanh"):  # fmt: skip
    """The sequence model: logits (N, T, n_classes) of inputs (N, T, n_features); T left free."""
    import keras

    x = inp = keras.Input((None, n_features), name="features")
    if pre:
        x = keras.layers.Dense(pre, activation=pre_activation, name="pre")(x)
    x = keras.layers.GRU(hidden, return_sequences=True, name="gru")(x)
    out = keras.layers.Dense(n_classes, name="logits")(x)
    return keras.Model(inp, out, name=name)


def fit_last_step(model, x: np.ndarray, y: np.ndarray, train: dict) -> None:
    """Fit `model` on the last step's logits with sparse cross-entropy (Adam, TRAIN's batch and epochs)."""
    import keras

    last = keras.layers.Lambda(lambda t: t[:, -1], name="last_step")(model.outputs[0])
    wrapper = keras.Model(model.inputs, last)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    wrapper.compile(optimizer=keras.optimizers.Adam(train["learning_rate"]), loss=loss)
    wrapper.fit(x, y, batch_size=train["batch"], epochs=train["epochs"], shuffle=True, verbose=0)


def train_classifier(task, name: str, seed: int, arch: dict, train: dict, n_calib: int = N_CALIB):
    """(sequence model, calibration rows, metrics) of a task's GRU classifier: deterministic for a seed.

    The data splits use the same seed; metrics are the float scores on val and test."""
    from hil.convert.streaming import step_calib_rows
    from hil.tasks import evaluate_float
    from hil.zoo import deterministic

    deterministic(seed)
    x, y = task.load("train", seed)
    model = build_classifier(name, task.n_features, task.n_outputs, **arch)
    fit_last_step(model, x, y, train)
    metrics = {f"{split}_{task.metric_name}": round(evaluate_float(task, model, split, seed), 4)
               for split in ("val", "test")}  # fmt: skip
    return model, step_calib_rows(model, x, n_calib, seed + 1), metrics


def recipe_fields(task, arch: dict, train: dict) -> dict:
    """The card fields every task recipe records besides its metrics (the split sizes of the classifying
    tasks do not depend on the seed: the class sizes fix them)."""
    pre = f"Dense({arch['pre']}, {arch.get('pre_activation', 'tanh')}) -> " if arch.get("pre") else ""
    units = arch["hidden"]
    return {
        "task": task.name,
        "task_kind": task.kind,
        "metric": task.metric_name,
        "data": {"defined_in": f"hil/tasks/{task.name}.py", "splits": task.sizes(), "n_calib": N_CALIB},
        "architecture": arch,
        "training": train,
        "trained_as": f"Input(T={task.steps}, {task.n_features}) -> {pre}GRU({units}, return_sequences) -> "
        f"Dense({task.n_outputs}) logits; loss on the last step's logits only",
        "saved_as": "the sequence model above (logits at every step, no slice layer); "
        "hil.convert.streaming.gru_step_model makes its single-step form",
        "step_input": {"features": [task.n_features], "state": [units]},
        "step_output": {"mask": [task.n_outputs], "state_out": [units]},
        "calib": "structured rows (features, state) for the single-step model: real (x_t, h_{t-1}) pairs from train",
    }


def classifier_recipe(name: str, task_name: str, arch: dict, train: dict, doc: str):
    """The `train(seed)` and `main(argv)` a task classifier's models/<name>/recipe.py exposes."""

    def train_recipe(seed: int = 0):
        """(sequence model, calibration rows, metrics): deterministic for a seed."""
        from hil.tasks import get_task

        return train_classifier(get_task(task_name), name, seed, arch, train)

    def main(argv=None) -> None:
        from hil.tasks import get_task
        from hil.zoo import recipe_main

        recipe_main(name, doc, train_recipe, recipe_fields(get_task(task_name), arch, train), argv)

    return train_recipe, main
