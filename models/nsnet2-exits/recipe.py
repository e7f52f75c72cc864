"""nsnet2-exits: Dynamic nsNet2 (early exits) scaled to the STM32F446; plain topology, joint training.

The family (hil.convert.exits, one recipe per member folder, this file the shared one):
  backbone  features(161) -> fc_in Dense(96, relu) -> gru_0 GRU(96) -> gru_1 GRU(128)
            -> fc_1 Dense(192, relu) -> fc_2 Dense(192, relu) -> mask Dense(161, sigmoid)  (exit 2, the full model)
  exits     exit 0 after gru_0, exit 1 after gru_1, each a Dense(161, sigmoid) mask head, reading:
    plain      the backbone's GRU output directly;
    split-fc   an ancillary Dense(64, relu) of its own (a duplicate of the FC stage that follows the GRUs),
               so the backbone's GRU state is not forced to be a mask itself;
    split-gru  an ancillary GRU(32) of its own (a duplicate of the next recurrent stage, small).
  training  joint: every exit's loss at once (weights 1, 1, 1); layer-wise: stage by stage, each stage's
            layers and exit trained with the earlier stages frozen (epochs split evenly).
Frames may stop at any exit; a skipped GRU holds its state (hil.step.exits), and training applies the
same rule: half the training sequences run to the last exit on every frame, the other half stop at a
random exit held for 1-25 frames at a time (reach flags, seeded), exit k's loss counting only the frames
that evaluate it. Chain, data, features (standardised while training, folded into fc_in afterwards)
and target (ideal ratio mask, MSE) are nsnet2-small's. Shipped model.keras: the single step
(hil.convert.exits.step_model): inputs features, state_0..; outputs mask, state_out_0.., exit_0, exit_1.

Train: hil train nsnet2-exits [--data DIR] [--seed S] [--epochs E] [--out DIR]
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

NAME, TOPOLOGY, TRAINING = "nsnet2-exits", "plain", "joint"
TAKES_DATA = True
BINS, SEQ, FC_IN, GRU0, GRU1, FC, ANCILLARY = 161, 100, 96, 96, 128, 192, 64
TRAIN = {"epochs": 15, "batch": 32, "learning_rate": 0.002, "loss": "mse per exit on the frames it runs",
         "target": "ideal_ratio_mask"}  # fmt: skip
N_CALIB, EVAL_UTTERANCES, TF_THREADS = 200, 50, 2


def _base():
    from hil.zoo import load_recipe

    return load_recipe("nsnet2-small")  # the corpus, features and targets are nsnet2-small's


def network(topology: str = TOPOLOGY):
    """The ExitNet of one topology (plain, split-fc, split-gru)."""
    from hil.convert.exits import ExitNet, Node
    from hil.errors import ConfigError

    nodes = [Node("fc_in", "dense", FC_IN, "features", "relu"), Node("gru_0", "gru", GRU0, "fc_in")]
    heads = []
    for k, (gru, width) in enumerate((("gru_0", GRU0), ("gru_1", GRU1))):
        if k == 1:
            nodes.append(Node("gru_1", "gru", GRU1, "gru_0"))
        src = gru
        if topology == "split-fc":
            nodes.append(Node(f"exit_{k}_fc", "dense", ANCILLARY, gru, "relu"))
            src = f"exit_{k}_fc"
        elif topology == "split-gru":
            nodes.append(Node(f"exit_{k}_gru", "gru", ANCILLARY // 2, gru))
            src = f"exit_{k}_gru"
        elif topology != "plain":
            raise ConfigError(f"nsnet2-exits topology: wanted plain, split-fc or split-gru, got '{topology}'")
        nodes.append(Node(f"head_{k}", "dense", BINS, src, "sigmoid"))
        heads.append(f"head_{k}")
    nodes += [Node("fc_1", "dense", FC, "gru_1", "relu"), Node("fc_2", "dense", FC, "fc_1", "relu"),
              Node("head_2", "dense", BINS, "fc_2", "sigmoid")]  # fmt: skip
    return ExitNet(BINS, tuple(nodes), (*heads, "head_2"))


def reach_flags(n_seq: int, n_exits: int, seed: int, steps: int = SEQ) -> np.ndarray:
    """(n_seq, steps, n_exits) float32: 1 where the frame evaluates the exit. Half the sequences run every
    exit on every frame; the others stop at a random exit, held for 1-25 frames at a time."""
    rng = np.random.default_rng(seed)
    deepest = np.full((n_seq, steps), n_exits - 1)
    for s in np.flatnonzero(rng.random(n_seq) < 0.5):
        t = 0
        while t < steps:
            run = int(rng.integers(1, 26))
            deepest[s, t : t + run] = rng.integers(0, n_exits)
            t += run
    return (np.arange(n_exits)[None, None, :] <= deepest[..., None]).astype(np.float32)


def _fit(model, net, x, y, reach, settings, stage=None) -> None:
    import keras

    from hil.convert.exits import exit_loss

    k = len(net.exits)
    weights = np.ones(k) if stage is None else np.eye(k)[stage]
    if stage is not None:
        for n in net.nodes:
            model.get_layer(n.name).trainable = net.stage(n.name) == stage
    model.compile(optimizer=keras.optimizers.Adam(settings["learning_rate"]), loss=exit_loss(k, BINS, weights))
    target = np.concatenate([np.tile(y, (1, 1, k)), reach], axis=-1)
    model.fit([x, reach], target, batch_size=settings["batch"], epochs=settings["epochs"], shuffle=True, verbose=0)


def fold(model, mean: np.ndarray, std: np.ndarray) -> None:
    """Fold the feature standardisation into fc_in: W' = W / std, b' = b - (mean / std) @ W."""
    fc = model.get_layer("fc_in")
    kernel, bias = fc.get_weights()
    fc.set_weights([kernel / std[:, None], bias - (mean / std) @ kernel])


def train(seed: int = 0, data=None, epochs: int | None = None, topology: str = TOPOLOGY, training: str = TRAINING):
    """(single-step model, trained sequence model taking raw features, the ExitNet, calibration rows, facts)."""
    import tensorflow as tf

    from hil.convert.exits import sequence_model, step_model
    from hil.zoo import deterministic

    deterministic(seed)
    tf.config.threading.set_intra_op_parallelism_threads(TF_THREADS)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    base, net = _base(), network(topology)
    root = Path(data) if data is not None else base.default_data_dir()
    t0 = time.perf_counter()
    x, y = base.load_frames(root, "train")
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-3
    xs, ys = base.sequences(x), base.sequences(y)
    reach = reach_flags(len(xs), len(net.exits), seed + 2)
    total = TRAIN["epochs"] if epochs is None else epochs
    model = sequence_model(net, NAME)
    t1 = time.perf_counter()
    if training == "joint":
        _fit(model, net, (xs - mean) / std, ys, reach, dict(TRAIN, epochs=total))
    else:
        per = max(1, -(-total // len(net.exits)))
        for s in range(len(net.exits)):
            _fit(model, net, (xs - mean) / std, ys, reach, dict(TRAIN, epochs=per), stage=s)
        total = per * len(net.exits)
    fit_seconds = time.perf_counter() - t1
    fold(model, mean, std)
    step = step_model(net, model, NAME)
    calib = calib_rows(step, xs[: min(len(xs), 64)], N_CALIB, seed + 1)
    facts = {"train_frames": int(len(x)), "train_sequences": int(len(xs)), "epochs": total,
             "fit_seconds": round(fit_seconds, 1), "data_seconds": round(t1 - t0, 1)}  # fmt: skip
    return step, model, net, calib, facts


def calib_rows(step, x: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n (features x_t, state_i h_i,t-1 ...) rows: the step model run over x's sequences from zero states."""
    names = [t.name for t in step.inputs]
    hs = [np.zeros((len(x), int(t.shape[-1])), np.float32) for t in step.inputs[1:]]
    prev = [[] for _ in hs]
    for t in range(x.shape[1]):
        for k, h in enumerate(hs):
            prev[k].append(h)
        outs = step([x[:, t].astype(np.float32), *hs], training=False)
        hs = [np.asarray(o) for o in outs[1 : 1 + len(hs)]]
    prev = [np.stack(p, axis=1) for p in prev]
    rng = np.random.default_rng(seed)
    seq, t = rng.integers(0, len(x), n), rng.integers(0, x.shape[1], n)
    rows = np.zeros(n, dtype=[(name, np.float32, (int(i.shape[-1]),)) for name, i in zip(names, step.inputs)])
    rows[names[0]] = x[seq, t]
    for name, p in zip(names[1:], prev):
        rows[name] = p[seq, t]
    return rows


def held_out_quality(seq_model, net, step, calib, root, limit: int = EVAL_UTTERANCES) -> tuple[dict, dict]:
    """Per exit: mean PESQ-wb / STOI / SI-SDR on the test split (float sequence model, int8 step model run
    frame by frame in the board's C runtime with exit k fixed: hil.step.exits), MACs; plus the int8 sizes."""
    from hil.compile.compiler import compile_tflite
    from hil.convert.keras_to_tflite import convert_model
    from hil.step.exits import ExitPolicy, int8_exit_mask_fn
    from hil.tasks.se_eval import evaluate_pairs, read_pairs

    tflite = convert_model(step, calib)
    compiled = compile_tflite(tflite)
    k = len(net.exits)

    import tensorflow as tf

    run_all = tf.function(lambda f, r: seq_model([f, r], training=False), reduce_retracing=True)
    last: dict = {}

    def float_fn(e):
        def fn(feats):  # every exit's masks from one run per utterance
            key = hash(feats.tobytes())
            if last.get("key") != key:
                reach = np.ones((1, len(feats), k), np.float32)
                last["key"], last["masks"] = key, np.asarray(run_all(feats[None], reach))[0]
            return last["masks"][:, e * BINS : (e + 1) * BINS]

        return fn

    fns = {}
    for e in range(k):
        fns[f"float_exit_{e}"] = float_fn(e)
        fns[f"int8_exit_{e}"] = int8_exit_mask_fn(tflite, ExitPolicy("fixed", e))
    quality = evaluate_pairs(read_pairs(root, "test", limit), fns)
    exits = [{"exit": e, "macs_per_frame": net.macs(e), "params": net.params(e), "float": quality[f"float_exit_{e}"],
              "float_delta": quality[f"float_exit_{e}_delta"], "int8": quality[f"int8_exit_{e}"],
              "int8_delta": quality[f"int8_exit_{e}_delta"]} for e in range(k)]  # fmt: skip
    sizes = {"tflite_bytes": len(tflite), "model_bytes": compiled.model_bytes, "arena_bytes": compiled.arena_bytes,
             "macs_per_frame_all_ops": compiled.macs}  # fmt: skip
    held = {"noisy": quality["noisy"], "utterances": quality["utterances"], "split": "test",
            "int8_engine": "hil.sim (the board's C runtime), exit fixed per stream", "exits": exits}  # fmt: skip
    return held, sizes


def run(seed: int = 0, data=None, epochs: int | None = None, out=None, name: str = NAME, topology: str = TOPOLOGY,
        training: str = TRAINING) -> dict:  # fmt: skip
    """Train, score and write model.keras, calib.npy and card.json into `out` (default models/<name>)."""
    from hil.dsp.spec import NSNET2 as CHAIN
    from hil.zoo import save_artifacts, zoo_dir

    t0 = time.perf_counter()
    step, seq_model, net, calib, facts = train(seed, data, epochs, topology, training)
    root = Path(data) if data is not None else _base().default_data_dir()
    quality, sizes = held_out_quality(seq_model, net, step, calib, root)
    argv = (f" --seed {seed}" + (f" --data {data}" if data is not None else "")
            + (f" --epochs {epochs}" if epochs else ""))  # fmt: skip
    card = {
        "name": name, "seed": seed, "topology": topology,
        "training": TRAIN | {"mode": training, "epochs": facts["epochs"]},
        "chain": CHAIN.to_dict(),
        "data": _base().DATA | {"dir": "default corpus" if data is None else str(data), **facts},
        "network": [vars(n) for n in net.nodes], "exits": list(net.exits),
        "state_rule": "held: a GRU that a frame skips keeps its state (hil.step.exits), in training too",
        "exported_as": "single step: hil.convert.exits.step_model",
        "input": {t.name: [int(t.shape[-1])] for t in step.inputs},
        "int8": sizes, "metrics_held_out": quality,
        "train_seconds": round(time.perf_counter() - t0, 1), "train_command": f"hil train {name}{argv}",
    }  # fmt: skip
    save_artifacts(Path(out) if out is not None else zoo_dir() / name, step, calib, card)
    return card | {"params": int(step.count_params())}
