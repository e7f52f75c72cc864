"""A small seeded int8 masking model with three early exits over nsNet2's 161 bins, for the exits' tests:
fc_in Dense(12) -> gru_0 GRU(12) [-> exit 0] -> gru_1 GRU(16) [-> exit 1] -> fc_1 Dense(16) -> mask [exit 2],
random weights (biases too, so that masks vary), exported by hil.convert.exits.step_model and converted
to int8 with calibration rows from real features and the float model's own states. Built once per process."""

from __future__ import annotations

from functools import cache

import numpy as np

from hil.dsp import spec
from tests.stream_models import utterance


def network():
    from hil.convert.exits import ExitNet, Node

    nodes = (Node("fc_in", "dense", 12, "features", "relu"), Node("gru_0", "gru", 12, "fc_in"),
             Node("head_0", "dense", spec.BINS, "gru_0", "sigmoid"), Node("gru_1", "gru", 16, "gru_0"),
             Node("head_1", "dense", spec.BINS, "gru_1", "sigmoid"), Node("fc_1", "dense", 16, "gru_1", "relu"),
             Node("head_2", "dense", spec.BINS, "fc_1", "sigmoid"))  # fmt: skip
    return ExitNet(spec.BINS, nodes, ("head_0", "head_1", "head_2"))


def _calibration(step, feats: np.ndarray) -> dict[str, np.ndarray]:
    hs = [np.zeros((1, int(t.shape[-1])), np.float32) for t in step.inputs[1:]]
    rows = {t.name: [] for t in step.inputs}
    for frame in feats:
        rows["features"].append(frame)
        for t, h in zip(step.inputs[1:], hs):
            rows[t.name].append(h[0])
        outs = step([frame[None], *hs], training=False)
        hs = [np.asarray(o) for o in outs[1 : 1 + len(hs)]]
    return {k: np.array(v, np.float32) for k, v in rows.items()}


@cache
def exits_tflite(seed: int = 0) -> bytes:
    import keras

    from hil.convert.exits import sequence_model, step_model
    from hil.convert.keras_to_tflite import convert_model

    keras.utils.set_random_seed(seed)
    net = network()
    seq = sequence_model(net, "exits_test")
    rng = np.random.default_rng(seed)
    for layer in seq.layers:
        weights = layer.get_weights()
        if weights:  # the first Dense scaled for raw log-power features (-21..13)
            scale = 0.05 if layer.name == "fc_in" else 0.6
            layer.set_weights([rng.normal(0, scale, w.shape).astype(np.float32) for w in weights])
    step = step_model(net, seq)
    feats = spec.features(utterance(seed + 1))
    return convert_model(step, _calibration(step, feats), seed=seed)


def exits_graph():
    """No TensorFlow: features (1, 8) -> FC -> FC -> LOGISTIC = mask, with an early exit LOGISTIC on the first
    FC's output (outputs [mask, exit_0], named so): the fuzz loader's seed of a blob with exits."""
    from dataclasses import replace

    from hil.compile.synth import mlp
    from hil.compile.tflite import Op, Tensor

    g = mlp((8, 4, 4), seed=1)
    tensors = list(g.tensors)
    for name in ("exit_0", "mask"):
        tensors.append(Tensor(len(tensors), name, "int8", (1, 4), np.array([1 / 256], np.float32),
                              np.array([-128]), 0, None))  # fmt: skip
    ops = [*g.ops, Op(2, "LOGISTIC", [3], [7]), Op(3, "LOGISTIC", [6], [8])]
    graph = replace(g, tensors=tensors, ops=ops, outputs=[8, 7], signature_names={8: "mask", 7: "exit_0"})
    for op in ops[2:]:
        graph.consumers.setdefault(op.inputs[0], []).append(op.index)
    return graph
