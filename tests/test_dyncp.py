"""DynCP's model path: a tiny Conv-FSENet (models/conv-fsenet/net.py) exported as plain int8 TFLite runs under
TFLM bit for bit like its HIL_GATED_CONV form (hil.convert.gconv_surgery) in the simulator with every gate
open; the gate training step drives usage toward its target; bad family input is one line."""

from __future__ import annotations

import numpy as np
import pytest

from hil.errors import ConfigError
from hil.sim import Simulator
from hil.zoo import load_recipe

ARCH = {"bins": 16, "channels": 8, "mid": 12, "gate_dim": 4, "kernel": 3, "dilations": [1, 2]}


@pytest.fixture(scope="module")
def family():
    return load_recipe("conv-fsenet").family()


def _tiny_seq(family, seed: int = 4):
    import keras

    keras.utils.set_random_seed(seed)
    seq = family.net().sequence_model(ARCH, 0.5, 1.0, "tiny")
    for layer in seq.layers:  # random biases, so that the converter keeps every bias input
        if layer.get_weights():
            w = layer.get_weights()
            layer.set_weights(w[:-1] + [np.random.default_rng(1).normal(0, 0.3, w[-1].shape).astype(np.float32)])
    return seq


def _export(family, seq, feats, gate_inputs: bool = True):
    """(the step model's int8 TFLite as the family exports it, the gate heads, their z_max); gate_inputs
    False: the blocks converted with every channel (calibrated on ungated activations)."""
    from hil.convert.keras_to_tflite import convert_model

    saved = dict(family.ARCH)
    family.ARCH.clear()
    family.ARCH.update(ARCH)
    try:
        step = family.net().step_model(seq, ARCH, "tiny", gate_inputs=gate_inputs)
        rows, heads, z_max = family.calibration(seq, feats, 3)
    finally:
        family.ARCH.clear()
        family.ARCH.update(saved)
    if not gate_inputs:
        rows = rows[[n for n in rows.dtype.names if not n.startswith("gate_")]]
    return convert_model(step, rows), heads, z_max


@pytest.fixture(scope="module")
def tiny(family):
    """(sequence model with gates, its plain int8 step TFLite (every channel), features, gate heads,
    their z_max)."""
    seq = _tiny_seq(family)
    feats = np.random.default_rng(2).normal(0, 1, (6, 30, ARCH["bins"])).astype(np.float32)
    return seq, *_export(family, seq, feats, gate_inputs=False)[:1], feats, *_export(family, seq, feats)[1:]


def _features_q(tflite: bytes, feats: np.ndarray) -> np.ndarray:
    from hil.quant import quantize
    from hil.step.roles import step_io

    f = step_io(tflite).features
    return quantize(feats, f.scale, f.zero_point, f.dtype)


def test_every_gate_open_is_bit_exact_with_the_plain_block_under_tflm(tiny):
    """The plain blocks stream under TFLM with their history fed back as model states; the surgery's
    HIL_GATED_CONV model keeps it on the board: static blocks, and gated ones whose gate biases hold them open."""
    from hil.convert.gconv_surgery import gated_tflite
    from hil.step.engines import run_stream

    _, plain, feats, heads, z_max = tiny
    x = _features_q(plain, feats[0])
    want = run_stream(plain, x, engine="tflm")[0].reshape(len(x), -1)
    assert np.unique(want).size > 20, "degenerate model: the masks barely move"
    open_heads = [(w1, b1, w2, np.full_like(b2, 100.0)) for w1, b1, w2, b2 in heads]
    for label, hs in (("static", [None, None]), ("gated, held open", open_heads)):
        tflite, blocks = gated_tflite(plain, hs, z_max)
        sim = Simulator(__import__("hil.compile.compiler", fromlist=["x"]).compile_tflite(tflite).blob)
        for reference in (True, False):
            sim.restart()
            outs = sim.run(x.reshape(len(x), 1, -1), reference=reference)
            got = outs[0].reshape(len(x), -1)
            bad = np.argwhere(got != want)
            assert bad.size == 0, f"{label} ({'reference' if reference else 'M4'}): {len(bad)} mask values differ"
            assert all(o.astype(bool).all() for o in outs[1:]), f"{label}: a gate closed"


def test_gates_adapt_and_the_int8_gates_follow_the_float_ones(family, tiny):
    from hil.convert.gconv_surgery import gated_tflite
    from hil.step.gated import gated_model, run_frames

    seq, _, feats, heads, _ = tiny
    tflite, _ = gated_tflite(*_export(family, seq, feats))
    run = run_frames(gated_model(tflite), feats[0])
    usage = run.kept.sum(axis=1)
    assert 0 < usage.min() < usage.max() < sum(b.shape[0] for _, _, b, _ in heads), usage
    assert (run.macs < gated_model(tflite).macs_open).any()
    x = feats[0] @ seq.get_layer("front").get_weights()[0] + seq.get_layer("front").get_weights()[1]
    w1, b1, w2, b2 = heads[0]
    float_keep = (np.maximum(x @ w1.T + b1, 0) @ w2.T + b2) > 0
    agree = (float_keep == run.gates[0]).mean()
    assert agree > 0.9, f"block 0's int8 gates agree with the float ones on {agree:.0%} of channel-frames"


def test_calibration_sees_the_gated_activations(family):
    """Channels the gates always close carry activations 40 times larger than the rest: calibrated on the
    ungated model, u, v and every later activation get scales 40 times too coarse for what the gated
    model computes. The family's export (gate inputs in the step model, taken out by the surgery)
    calibrates on the gated model and follows the float model closely."""
    from hil.convert.gconv_surgery import gated_tflite
    from hil.step.gated import gated_model, run_frames

    seq = _tiny_seq(family, seed=5)
    for i in range(len(ARCH["dilations"])):
        gate, expand = seq.get_layer(f"b{i}_gate"), seq.get_layer(f"b{i}_expand")
        w, b = gate.logits.get_weights()
        closed = np.arange(ARCH["mid"]) < ARCH["mid"] // 2
        gate.logits.set_weights([np.where(closed, 0, w), np.where(closed, -50.0, 50.0).astype(np.float32)])
        k, kb = expand.get_weights()
        expand.set_weights([np.where(closed, 40 * k, k), np.where(closed, 40 * kb, kb)])
    feats = np.random.default_rng(2).normal(0, 1, (6, 30, ARCH["bins"])).astype(np.float32)
    want = np.asarray(seq(feats[:1]))[0]
    err = {}
    for gated in (True, False):
        tflite, _ = gated_tflite(*_export(family, seq, feats, gate_inputs=gated))
        run = run_frames(gated_model(tflite), feats[0])
        assert (run.kept.sum(axis=1) == ARCH["mid"] // 2 * len(ARCH["dilations"])).all()
        err[gated] = float(np.abs(run.masks - want).mean())
    assert err[True] < err[False] / 3, err


def test_the_usage_loss_drives_the_gates_toward_the_target(family):
    import keras

    net = family.net()
    keras.utils.set_random_seed(0)
    arch = dict(ARCH, dilations=[1])
    model = net.sequence_model(arch, 0.25, 4.0, "usage")
    x = np.random.default_rng(0).normal(0, 1, (32, 20, arch["bins"])).astype(np.float32)
    y = np.random.default_rng(1).uniform(0, 1, x.shape).astype(np.float32)

    def usage() -> float:
        w1, b1, w2, b2 = net.gate_weights(model, 0)
        front = model.get_layer("front").get_weights()
        h = x @ front[0] + front[1]
        return float(((np.maximum(h @ w1.T + b1, 0) @ w2.T + b2) > 0).mean())

    before = usage()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    model.fit(x, y, batch_size=8, epochs=15, verbose=0)
    after = usage()
    assert before > 0.9 and abs(after - 0.25) < abs(before - 0.25) - 0.3, (before, after)


def test_stochastic_gates_are_noisy_only_while_training(tiny):
    """A stochastic gate tries channels near their threshold both ways while training; at inference (and in
    export, which reads the gate heads' weights) the gate is the logit's sign, stochastic or not."""
    seq, _, feats, _, _ = tiny
    gates = [layer for layer in seq.layers if layer.name.endswith("_gate")]
    x = seq.get_layer("front")(feats)
    plain = np.asarray(gates[0](x, training=True))
    try:
        for gate in gates:
            gate.stochastic = True
        noisy = [np.asarray(gates[0](x, training=True)) for _ in range(2)]
        assert np.array_equal(np.asarray(gates[0](x, training=False)), plain)
    finally:
        for gate in gates:
            gate.stochastic = False
    assert set(np.unique(noisy[0])) <= {0.0, 1.0} and not np.array_equal(noisy[0], noisy[1])
    assert 0.02 < (noisy[0] != plain).mean() < 0.5, "the noise flips some gates, not most"


def test_the_tuning_anneals_the_usage_target_then_holds_it(family, monkeypatch):
    """The first tuning phase's usage level falls from 1 to the target over FINETUNE's anneal_epochs; a later
    phase holds it at the target with binary gates."""
    import keras

    schedule = family.usage_schedule(0.25, 10)
    assert [round(schedule(e), 3) for e in (0, 4, 9, 10, 30)] == [0.925, 0.625, 0.25, 0.25, 0.25]
    assert family.usage_schedule(0.5, 0)(0) == 0.5
    keras.utils.set_random_seed(0)
    model = family.net().sequence_model(dict(ARCH, dilations=[1]), 0.25, 1.0, "anneal")
    x = np.random.default_rng(0).normal(0, 1, (8, 10, ARCH["bins"])).astype(np.float32)
    y = np.random.default_rng(1).uniform(0, 1, x.shape).astype(np.float32)
    usage, gate = model.get_layer("usage"), model.get_layer("b0_gate")
    monkeypatch.setitem(family.FINETUNE, "anneal_epochs", 10)
    family._fit(model, x, y, [(3, 1e-3)])
    assert float(usage.level.numpy()) == pytest.approx(0.775) and not gate.stochastic
    family._fit(model, x, y, [(2, 1e-3), (1, 1e-3)])
    assert float(usage.level.numpy()) == pytest.approx(0.25)


@pytest.mark.parametrize("target", [0, 1.5, -0.2, "half"])
def test_a_target_outside_0_1_is_one_line(family, target):
    with pytest.raises(ConfigError) as exc:
        family.check_target(target)
    assert str(exc.value) == f"DynCP target usage: wanted a ratio in (0, 1], got {target!r}"


def test_a_gate_for_a_missing_block_is_one_line(tiny):
    from hil.convert.gconv_surgery import gated_tflite

    _, plain, _, heads, z_max = tiny
    with pytest.raises(ConfigError) as exc:
        gated_tflite(plain, heads + [heads[0]], z_max + [1.0])
    assert str(exc.value) == "gate 2 refers to block 2; the model has 2 blocks (state_0..state_1)"


def test_a_chain_the_board_cannot_run_is_one_line():
    from hil.dsp.spec import FSENET, ChainSpec

    with pytest.raises(ConfigError) as exc:
        ChainSpec.from_dict(dict(FSENET.to_dict(), fft_size=1024), where="models/dyncp-25/card.json")
    assert "\n" not in str(exc.value) and "wanted an FFT size the board runs" in str(exc.value)


def test_the_search_times_every_validation_step_of_a_model_whose_cost_depends_on_its_input():
    from hil.compile import synth, synth_gconv
    from hil.compile.compiler import compile_graph
    from hil.search.problem import CYCLE_STEPS, cycle_rows

    x_val_q = np.zeros((5, 7, 13), np.int8)
    rows, note = cycle_rows(compile_graph(synth.mlp((13, 8))), x_val_q)
    assert len(rows) == CYCLE_STEPS and "does not depend on its input" in note
    gated = compile_graph(synth_gconv.gconv_graph(synth_gconv.random_block(13, 10, 5, seed=1)))
    rows, note = cycle_rows(gated, x_val_q)
    assert len(rows) == 35 and note.startswith("mean over all 35 validation steps") and "HIL_GATED_CONV" in note
