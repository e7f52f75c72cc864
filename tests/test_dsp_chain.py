"""The chain's numerics: the host mirror (hil.dsp.chain) against the float64 spec, and the board's C
(firmware/src/dsp, through the simulator library) against the mirror, bit for bit.

Measured (float32): rfft320 1.4e-7 relative to the largest bin, ln 1.9e-7 relative,
features within 1.7e-4 of spec.features on speech (0.01 % of bins above 1.5e-5)."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from hil.dsp import chain, spec
from hil.dsp.config import StateLink, requantize_state
from hil.dsp.tables import C_PATH, c_source
from hil.sim import dsp_lib
from tests.stream_models import utterance

F = np.float32


def _p(a: np.ndarray):
    return a.ctypes.data_as(ctypes.c_void_p)


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).view(np.uint32 if a.dtype == F else a.dtype)


def _same(a, b, what):
    diff = np.flatnonzero(_bits(np.asarray(a)).ravel() != _bits(np.asarray(b)).ravel())
    assert diff.size == 0, f"{what}: {diff.size} of {np.asarray(a).size} differ, first at {diff[:5]}"


def test_generated_tables_are_current():
    assert C_PATH.read_text() == c_source(), "firmware/src/dsp/tables.c is stale: run python -m hil.dsp.tables"


def test_rfft_and_inverse_match_float64_within_1e6():
    x = np.random.default_rng(0).normal(size=(40, spec.WINDOW)).astype(F)
    re, im = chain.rfft320(x)
    ref = np.fft.rfft(x.astype(np.float64), axis=-1)
    assert np.abs(re + 1j * im - ref).max() / np.abs(ref).max() < 1e-6
    back = chain.irfft320(ref.real.astype(F), ref.imag.astype(F)).astype(np.float64)
    want = np.fft.irfft(ref, n=spec.WINDOW) * 160
    assert np.abs(back - want).max() / np.abs(want).max() < 1e-6


def test_ln_is_within_1e6_relative_over_the_feature_range():
    rng = np.random.default_rng(1)
    x = np.concatenate([np.exp(rng.uniform(np.log(1e-9), np.log(1e6), 200_000)), [1e-9, 0.5, 1.0, 2.0, 1.4142135]])
    x = x.astype(F)
    got, want = chain.ln_f32(x).astype(np.float64), np.log(x.astype(np.float64))
    rel = np.abs(got - want) / np.maximum(np.abs(want), 1e-3)
    assert rel.max() < 1e-6, (rel.max(), x[rel.argmax()])
    assert chain.ln_f32(np.array([1.0], F))[0] == 0.0


def test_mirror_features_follow_the_spec():
    pcm = utterance()
    frames = spec.frames(pcm).astype(np.int16)
    re, im = chain.analysis(frames[:, : spec.HOP], frames[:, spec.HOP :])
    assert np.abs(chain.log_power(re, im) - spec.features(pcm)).max() < 5e-4


def _unity_stream(pcm: np.ndarray) -> np.ndarray:
    """The mirror chain with a mask of exactly 1, hop by hop from a fresh state."""
    from hil.step.chain import stream_hops_of

    prev, tail, out = np.zeros(spec.HOP, np.int16), np.zeros(spec.HOP, F), []
    one = np.ones(spec.BINS, np.int8)
    for hop in stream_hops_of(pcm):
        re, im = chain.analysis(prev, hop)
        re, im = chain.apply_mask(one, 1.0, 0, re, im)
        y, tail = chain.synthesis(re, im, tail)
        out.append(y)
        prev = hop
    return np.concatenate(out)[spec.LATENCY : spec.LATENCY + len(pcm)]


def test_unity_mask_reconstructs_the_input_within_1_lsb():
    pcm = utterance()
    loud = np.concatenate([pcm, np.array([32767, -32768] * 200, np.int16)])  # full scale, saturation edge
    err = np.abs(_unity_stream(loud).astype(np.int32) - loud)
    assert err.max() <= 1, (err.max(), np.argmax(err))
    assert np.count_nonzero(err) < len(loud) // 100


def test_c_ln_and_analysis_are_bit_exact_with_the_mirror():
    lib, rng = dsp_lib(), np.random.default_rng(2)
    x = np.exp(rng.uniform(-21, 12, 50_000)).astype(F)
    y = np.zeros_like(x)
    lib.hil_sim_ln(_p(x), _p(y), len(x))
    _same(y, chain.ln_f32(x), "ln")
    for scale in (1, 300, 32768):
        pcm = np.clip(rng.normal(0, scale, size=(2, spec.HOP)), -32768, 32767).astype(np.int16)
        re, im = np.zeros(spec.BINS, F), np.zeros(spec.BINS, F)
        lib.hil_sim_analysis(_p(pcm[0]), _p(pcm[1]), _p(re), _p(im))
        want_re, want_im = chain.analysis(pcm[0], pcm[1])
        _same(re, want_re, f"analysis re (scale {scale})")
        _same(im, want_im, f"analysis im (scale {scale})")


@pytest.mark.parametrize("inv_scale, zp", [(13.27, 55), (1.0, 0), (250.0, -128), (0.01, 127)])
def test_c_features_mask_and_synthesis_are_bit_exact_with_the_mirror(inv_scale, zp):
    lib, rng = dsp_lib(), np.random.default_rng(3)
    for gain in (1e-6, 1.0, 3e3):  # the power floor, speech, output saturation
        re, im = (rng.normal(size=(2, spec.BINS)) * gain).astype(F)
        q = np.zeros(spec.BINS, np.int8)
        lib.hil_sim_features(_p(re), _p(im), ctypes.c_float(inv_scale), zp, _p(q))
        _same(q, chain.features(re, im, inv_scale, zp), f"features (gain {gain})")
        mask = rng.integers(-128, 128, spec.BINS, dtype=np.int8)
        mr, mi = re.copy(), im.copy()
        lib.hil_sim_apply_mask(_p(mask), ctypes.c_float(1 / 256), zp, _p(mr), _p(mi))
        want_r, want_i = chain.apply_mask(mask, 1 / 256, zp, re, im)
        _same(mr, want_r, "mask re")
        _same(mi, want_i, "mask im")
        tail = (rng.normal(size=spec.HOP) * 1000 * gain).astype(F)
        out, new_tail = np.zeros(spec.HOP, np.int16), tail.copy()
        lib.hil_sim_synthesis(_p(re), _p(im), _p(new_tail), _p(out))
        want_out, want_tail = chain.synthesis(re, im, tail)
        _same(out, want_out, f"synthesis pcm (gain {gain})")
        _same(new_tail, want_tail, "synthesis tail")


def test_round_sat_rounds_half_away_and_saturates():
    v = np.array([0.5, -0.5, 1.49999994, 2.5, -2.5, 0.49999997, 32766.5, 32767.9, 1e9, -1e9, np.nan], F)
    np.testing.assert_array_equal(chain.round_sat(v, -32768, 32767),
                                  [1, -1, 1, 3, -3, 0, 32767, 32767, 32767, -32768, 32767])  # fmt: skip


def test_state_requantization_is_within_1_lsb_of_the_float_reference():
    from hil.quant import requantize_float as requantize

    q = np.arange(-128, 128, dtype=np.int8)
    for out_scale, out_zp, in_scale, in_zp in [(0.0078, 0, 0.0078, 0), (0.01, -3, 0.02, 5), (0.02, 7, 0.0041, -2)]:
        link = StateLink.between(0, out_scale, out_zp, 1, in_scale, in_zp)
        got = requantize_state(q, link).astype(int)
        want = requantize(q, out_scale, out_zp, in_scale, in_zp, np.int8).astype(int)
        assert np.abs(got - want).max() <= 1, (out_scale, in_scale)
    same = StateLink.between(0, 0.0078, 3, 1, 0.0078, 3)
    np.testing.assert_array_equal(requantize_state(q, same), q)
