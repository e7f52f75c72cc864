"""The Conv-FSENet / DynCP family's training, export and scoring (shared by the four zoo recipes).

Data: the offline espeak-ng corpus (hil.audio.corpus, default 1,000 utterances, seed 0), Conv-FSENet's
chain (hil.dsp.spec.FSENET: 512/256 Hann, power-law |X|^0.3, 257 bins), the ideal ratio mask as target
(MSE) plus each gate's usage loss. Features are standardised per bin while training and folded into the
front-end afterwards. Export: the single-step model (net.step_model) converted to int8 by hil.convert
with calibration rows from the trained model, then hil.convert.gconv_surgery (one HIL_GATED_CONV per
block, the gate heads quantised from the trained ones). Scored on the test split: PESQ-wb, STOI, SI-SDR
for the float sequence model and for the int8 model run frame by frame in the board's C runtime (hil.sim),
with the gates' per-frame usage and the MACs they leave."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SEQ, N_CALIB, EVAL_UTTERANCES = 100, 256, 50  # 50: as nsnet2-small, the same test utterances
DATA = {"utterances": 1000, "seed": 0, "snr_db": [-5.0, 20.0], "noises": "all", "sequence_frames": SEQ}
ARCH = {"bins": 257, "channels": 64, "mid": 128, "gate_dim": 8, "kernel": 3, "dilations": [1, 2, 4, 8, 1, 2, 4]}
TRAIN = {"epochs": 20, "batch": 32, "learning_rate": 0.002, "loss": "mse", "target": "ideal_ratio_mask",
         "settle_epochs": 10, "settle_learning_rate": 0.0005, "usage_weight": 4.0}  # fmt: skip
# then every member tunes for as long: the static one on itself, a gated one from the base with its gates;
# a gated member's first tuning phase anneals the usage target from 1 down to its target over
# anneal_epochs with stochastic gates (logistic noise on the logits), its settle phase has binary gates at
# the target
FINETUNE = {"epochs": 30, "learning_rate": 0.001, "settle_epochs": 15, "settle_learning_rate": 0.0003,
            "anneal_epochs": 10, "gate_noise": "logistic, first phase"}  # fmt: skip


def net():
    spec = importlib.util.spec_from_file_location("hil_zoo_conv_fsenet_net", HERE / "net.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_target(target) -> float | None:
    from hil.errors import ConfigError

    if target is None or (isinstance(target, (int, float)) and 0 < target <= 1):
        return None if target in (None, 1, 1.0) else float(target)
    raise ConfigError(f"DynCP target usage: wanted a ratio in (0, 1], got {target!r}")


def load_frames(root, split: str, limit: int | None = None):
    """Features and ideal ratio masks of a split, utterances back to back: (N, 257) each."""
    from hil.audio.corpus import load_split, read_wav
    from hil.dsp.spec import FSENET

    xs, ys = [], []
    for pair in load_split(root, split)[:limit]:
        noisy, clean = read_wav(pair.noisy_path)[0], read_wav(pair.clean_path)[0]
        xs.append(FSENET.features(noisy))
        ys.append(FSENET.ideal_ratio_mask(clean, noisy))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys)


def sequences(x: np.ndarray, steps: int = SEQ) -> np.ndarray:
    n = len(x) // steps
    return x[: n * steps].reshape(n, steps, x.shape[-1])


def fold_standardisation(model, mean, std) -> None:
    front = model.get_layer("front")
    kernel, bias = front.get_weights()
    front.set_weights([kernel / std[:, None], bias - (mean / std) @ kernel])


def warm_start(model, base) -> None:
    """The base model's weights into a gated model: every layer the base has (not the gates, not the usage)."""
    names = {layer.name for layer in base.layers}
    for layer in model.layers:
        if layer.get_weights() and layer.name in names:
            layer.set_weights(base.get_layer(layer.name).get_weights())


def usage_schedule(target: float, epochs: int):
    """The usage loss's level at the start of each epoch of the first tuning phase: 1 (every channel, where
    the base is) down to `target` in equal steps over `epochs` epochs, then the target."""
    return lambda epoch: max(target, 1.0 - (1.0 - target) * (epoch + 1) / epochs) if epochs else target


def _fit(model, x, y, phases) -> None:
    """Adam over `phases` ((epochs, learning rate), ...). A gated model's first phase follows FINETUNE's
    schedule (usage target annealed, stochastic gates); later phases: binary gates at the target."""
    import keras

    usage = [layer for layer in model.layers if layer.name == "usage"]
    gates = [layer for layer in model.layers if layer.name.endswith("_gate")]
    for i, (n, lr) in enumerate(phases):
        callbacks = []
        for gate in gates:
            gate.stochastic = i == 0
        if usage:
            level = usage_schedule(usage[0].target, FINETUNE["anneal_epochs"] if i == 0 else 0)
            usage[0].level.assign(level(0))
            step = lambda epoch, _logs, f=level: usage[0].level.assign(f(epoch))  # noqa: E731
            callbacks = [keras.callbacks.LambdaCallback(on_epoch_begin=step)]
        model.compile(optimizer=keras.optimizers.Adam(lr), loss=TRAIN["loss"])
        model.fit(x, y, batch_size=TRAIN["batch"], epochs=n, shuffle=True, verbose=0, callbacks=callbacks)
    for gate in gates:
        gate.stochastic = False


def train_float(seed: int, root: Path, epochs: int | None, target: float | None, name: str):
    """(sequence model taking raw features, training sequences, facts). Every member trains the same base
    (the static model, TRAIN's phases) and then the same tuning phases (FINETUNE's): the static member on
    itself, a gated member from the base's weights with its gates, so static and gated get equal budgets."""
    import tensorflow as tf

    from hil.zoo import deterministic

    tf.config.threading.set_intra_op_parallelism_threads(2)  # the lab's machines share 2 cores
    tf.config.threading.set_inter_op_parallelism_threads(1)
    deterministic(seed)
    t0 = time.perf_counter()
    x, y = load_frames(root, "train")
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-3
    xs, ys = sequences(x), sequences(y)
    base_phases = [(epochs or TRAIN["epochs"], TRAIN["learning_rate"]),
                   (TRAIN["settle_epochs"], TRAIN["settle_learning_rate"])]  # fmt: skip
    tune_phases = [(FINETUNE["epochs"], FINETUNE["learning_rate"]),
                   (FINETUNE["settle_epochs"], FINETUNE["settle_learning_rate"])]  # fmt: skip
    t1 = time.perf_counter()
    model = net().sequence_model(ARCH, None, TRAIN["usage_weight"], name)
    _fit(model, (xs - mean) / std, ys, base_phases)
    if target is not None:
        base, model = model, net().sequence_model(ARCH, target, TRAIN["usage_weight"], name)
        warm_start(model, base)
    _fit(model, (xs - mean) / std, ys, tune_phases)
    fold_standardisation(model, mean, std)
    phases = base_phases + tune_phases
    facts = {"train_frames": int(len(x)), "train_sequences": int(len(xs)), "epochs": sum(n for n, _ in phases),
             "phases": [{"epochs": n, "learning_rate": lr, "gates": target is not None and i >= len(base_phases)}
                        for i, (n, lr) in enumerate(phases)],
             "fit_seconds": round(time.perf_counter() - t1, 1), "data_seconds": round(t1 - t0, 1)}  # fmt: skip
    return model, xs, facts


def block_activations(seq, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """(block inputs, gated u, binary gates (float 0/1; none for a static model)) per block over sequences
    x, float, from one pass of the model."""
    import keras

    n = len(ARCH["dilations"])
    ins = ["front"] + [f"b{i}_out" for i in range(n - 1)]
    us = [f"b{i}_u" if any(l.name == f"b{i}_u" for l in seq.layers) else f"b{i}_expand" for i in range(n)]
    gates = [f"b{i}_gate" for i in range(n)] if net().gated(seq) else []
    outs = keras.Model(seq.inputs, [seq.get_layer(k).output for k in ins + us + gates])(x)
    outs = [np.asarray(o) for o in outs]
    return outs[:n], outs[n : 2 * n], outs[2 * n :]


def calibration(seq, xs: np.ndarray, seed: int):
    """(converter rows: features, each block's history and, for a gated model, each block's gates as the
    float model decides them, so that every activation is calibrated on the gated model's trajectory;
    the gate heads' largest hidden value per block)."""
    rng = np.random.default_rng(seed)
    x = xs[rng.choice(len(xs), min(len(xs), 32), replace=False)]
    ins, us, gates = block_activations(seq, x)
    s, t = rng.integers(0, len(x), N_CALIB), rng.integers(0, x.shape[1], N_CALIB)
    k, m = ARCH["kernel"], ARCH["mid"]
    dtype = [("features", np.float32, (ARCH["bins"],))] + [
        (f"state_{i}", np.float32, ((k - 1) * d, m)) for i, d in enumerate(ARCH["dilations"])] + [
        (f"gate_{i}", np.float32, (m,)) for i in range(len(gates))]
    rows = np.zeros(N_CALIB, dtype)
    rows["features"] = x[s, t]
    for i, g in enumerate(gates):
        rows[f"gate_{i}"] = g[s, t]
    for i, d in enumerate(ARCH["dilations"]):
        h = (k - 1) * d
        padded = np.concatenate([np.zeros((len(x), h, m), np.float32), us[i]], axis=1)
        rows[f"state_{i}"] = np.stack([padded[a, b : b + h] for a, b in zip(s, t)])
    heads = [net().gate_weights(seq, i) for i in range(len(ARCH["dilations"]))]
    z_max = [float(np.maximum(ins[i] @ h[0].T + h[1], 0).max()) if h is not None else 1.0
             for i, h in enumerate(heads)]  # fmt: skip
    return rows, heads, z_max


def export(seq, xs: np.ndarray, seed: int, name: str):
    """(step model, calibration rows, int8 TFLite with HIL_GATED_CONV blocks, their BlockQs)."""
    from hil.convert.gconv_surgery import gated_tflite
    from hil.convert.keras_to_tflite import convert_model

    step = net().step_model(seq, ARCH, name)
    rows, heads, z_max = calibration(seq, xs, seed + 1)
    tflite, blocks = gated_tflite(convert_model(step, rows), heads, z_max)
    return step, rows, tflite, blocks


def default_data_dir() -> Path:
    import os

    from hil.audio.corpus import generate

    cache = Path(os.environ.get("HIL_CACHE", Path.home() / ".cache" / "hil"))
    out = cache / f"speech-s{DATA['seed']}-n{DATA['utterances']}"
    generate(out, DATA["utterances"], seed=DATA["seed"], snr=tuple(DATA["snr_db"]), progress=False)
    return out


def held_out(seq, tflite: bytes, root: Path, limit: int = EVAL_UTTERANCES) -> dict:
    from hil.step.gated import gated_model
    from hil.dyncp.quality import evaluate
    from hil.tasks.se_eval import read_pairs

    def float_fn(feats):
        return np.asarray(seq(feats[None], training=False))[0]

    return evaluate(read_pairs(root, "test", limit), gated_model(tflite), float_fn)


def run(name: str, target, seed: int = 0, data=None, epochs: int | None = None, out=None) -> dict:
    """Train at `target` usage (None or 1: static), export, score; write model.keras (the step model),
    calib.npy, model.tflite (int8, HIL_GATED_CONV blocks) and card.json into `out`."""
    import json

    from hil.compile.compiler import compile_tflite
    from hil.dsp.spec import FSENET
    from hil.zoo import save_artifacts, zoo_dir

    target = check_target(target)
    t0 = time.perf_counter()
    root = Path(data) if data is not None else default_data_dir()
    seq, xs, facts = train_float(seed, root, epochs, target, name)
    from hil.dsp.identity import with_chain

    step, rows, tflite, _ = export(seq, xs, seed, name)
    tflite = with_chain(tflite, FSENET)  # the chain the board runs it on
    quality = held_out(seq, tflite, root)
    compiled = compile_tflite(tflite)
    argv = f" --seed {seed}" + (f" --data {data}" if data is not None else "") + (f" --epochs {epochs}" if epochs else "")
    card = {"name": name, "seed": seed, "target_usage": 1.0 if target is None else target,
            "chain": FSENET.to_dict(), "architecture": ARCH,
            "data": DATA | {"dir": "default corpus" if data is None else str(data), **facts},
            "training": TRAIN | {"epochs": facts["epochs"], "phases": facts.pop("phases")}
                        | {"finetune": FINETUNE},
            "exported_as": "single step (net.step_model) -> int8 (hil.convert) -> HIL_GATED_CONV blocks "
                           "(hil.convert.gconv_surgery): model.tflite",
            "int8": {"tflite_bytes": len(tflite), "model_bytes": compiled.model_bytes,
                     "arena_bytes": compiled.arena_bytes, "macs_per_frame_all_open": compiled.macs},
            "metrics_held_out": quality | {"int8_engine": "hil.sim (the board's C runtime)", "split": "test"},
            "train_seconds": round(time.perf_counter() - t0, 1), "train_command": f"hil train {name}{argv}"}  # fmt: skip
    folder = Path(out) if out is not None else zoo_dir() / name
    save_artifacts(folder, step, rows, card)
    (folder / "model.tflite").write_bytes(tflite)
    return json.loads((folder / "card.json").read_text())


def main(name: str, target, doc: str, argv=None) -> None:
    import argparse

    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    card = run(name, target, args.seed, args.data, args.epochs, args.out)
    print(f"{name}: {card['metrics_held_out']} in {card['train_seconds']} s")


def entry(name: str, target, doc: str):
    """(run, main) of a family member's recipe: `hil train` calls run, `python recipe.py` main."""

    def run_member(seed: int = 0, data=None, epochs: int | None = None, out=None) -> dict:
        return run(name, target, seed, data, epochs, out)

    def main_member(argv=None) -> None:
        main(name, target, doc, argv)

    return run_member, main_member
