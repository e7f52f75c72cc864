"""Sequence tasks for the mixed-precision search: data splits, a score, and each task's float model.

`get_task(name)` gives a Task (hil.tasks.base): load(split, seed) -> (x (N, T, F) float32, y),
score(outputs, y) (higher is better), kind, n_features, n_outputs, zoo_name, metric_name.
`evaluate_float` scores a float Keras model, sequence or single-step, on a split.
"""

from __future__ import annotations

import importlib

from hil.errors import ConfigError

# task id -> "module:Class"; a task is a file in this package
TASKS = {
    "digits": "hil.tasks.digits:Digits",
    "motions": "hil.tasks.motions:Motions",
    "se": "hil.tasks.se:SpeechEnhancement",
    "se-exits": "hil.tasks.se:SpeechEnhancementExits",
    "vowels": "hil.tasks.vowels:Vowels",
}
_LOADED: dict = {}


def list_tasks() -> list[str]:
    return sorted(TASKS)


def get_task(name: str, **options):
    """The task `name` (one shared instance, which caches its splits, unless options are given)."""
    if name not in TASKS:
        raise ConfigError(f"task '{name}': wanted one of {', '.join(list_tasks())}, got no such task")
    module, cls = TASKS[name].split(":")
    make = getattr(importlib.import_module(module), cls)
    if options:
        import inspect

        known = [p for p in inspect.signature(make).parameters if p != "self"]
        unknown = sorted(set(options) - set(known))
        if unknown:
            wanted = f"options among [{', '.join(known)}]" if known else "no options"
            raise ConfigError(f"task '{name}': wanted {wanted}, got {', '.join(unknown)}")
        return make(**options)
    if name not in _LOADED:
        _LOADED[name] = make()
    return _LOADED[name]


def evaluate_float(task, keras_model, split: str = "val", seed: int = 0) -> float:
    """The task's score of a float model on a split: a sequence model (N, T, F) -> (N, T, M), or its
    single-step form from hil.convert.streaming.gru_step_model, run over the steps from the zero state."""
    from hil.tasks.run import sequence_outputs

    task = get_task(task) if isinstance(task, str) else task
    x, y = task.load(split, seed)
    return task.score(sequence_outputs(keras_model, x), y)
