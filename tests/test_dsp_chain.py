"""The chain's numerics: the host mirror (hil.dsp.chain) against the float64 spec, and the board's C
(firmware/src/dsp, through the simulator library) against the mirror, bit for bit, for every chain the
board runs (hil.dsp.spec: FFT sizes 320 and 512, 50 % and 75 % overlap, sqrt-Hann and Hann windows,
log-power and power-law features).

Measured (float32): rfft 1.4e-7 (320) and 1.2e-7 (512) relative to the largest bin, ln 1.9e-7 and exp
9.4e-8 relative, log-power features within 1.7e-4 of spec.features on speech (0.01 % of bins above
1.5e-5)."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from hil.dsp import chain, spec
from hil.dsp.config import StateLink, requantize_state
from hil.dsp.fft import irfft, rfft
from hil.dsp.mathf import exp_f32, ln_f32, round_sat
from hil.dsp.spec import FEATURES, MASKS, WINDOWS, ChainSpec
from hil.dsp.tables import C_PATH, c_source, window_keys
from hil.errors import ConfigError
from hil.sim import dsp_lib
from tests.stream_models import utterance

F = np.float32
CHAINS = [ChainSpec(n, hop, w, f, 0.3 if f == "power-law" else 0.0) for n, hop, w in window_keys() for f in FEATURES]


def _p(a: np.ndarray):
    return a.ctypes.data_as(ctypes.c_void_p)


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).view(np.uint32 if a.dtype == F else a.dtype)


def _same(a, b, what):
    diff = np.flatnonzero(_bits(np.asarray(a)).ravel() != _bits(np.asarray(b)).ravel())
    assert diff.size == 0, f"{what}: {diff.size} of {np.asarray(a).size} differ, first at {diff[:5]}"


def _id(c: ChainSpec) -> str:
    return c.label().replace(" ", "-")


def _stages(chain: ChainSpec):
    """The simulator library with its stage entry points (hil_sim_analysis, ...) on this chain."""
    lib = dsp_lib()
    lib.hil_sim_chain.argtypes = [ctypes.c_uint16, ctypes.c_uint16, ctypes.c_uint8, ctypes.c_uint8, ctypes.c_float,
                                  ctypes.c_uint8]  # fmt: skip
    code = lib.hil_sim_chain(chain.fft_size, chain.hop, WINDOWS.get(chain.window, 0), FEATURES.get(chain.feature, 0),
                             chain.exponent, MASKS.get(chain.mask, 0))  # fmt: skip
    assert code == 0, (chain, code)
    return lib


def test_generated_tables_are_current():
    assert C_PATH.read_text() == c_source(), "firmware/src/dsp/tables.c is stale: run python -m hil.dsp.tables"


@pytest.mark.parametrize("n", sorted(spec.FFT_RADICES))
def test_rfft_and_inverse_match_float64_within_1e6(n):
    x = np.random.default_rng(0).normal(size=(40, n)).astype(F)
    re, im = rfft(x)
    ref = np.fft.rfft(x.astype(np.float64), axis=-1)
    assert np.abs(re + 1j * im - ref).max() / np.abs(ref).max() < 1e-6
    back = irfft(ref.real.astype(F), ref.imag.astype(F)).astype(np.float64)
    want = np.fft.irfft(ref, n=n) * (n // 2)
    assert np.abs(back - want).max() / np.abs(want).max() < 1e-6


def test_ln_is_within_1e6_relative_over_the_feature_range():
    rng = np.random.default_rng(1)
    x = np.concatenate([np.exp(rng.uniform(np.log(1e-9), np.log(1e6), 200_000)), [1e-9, 0.5, 1.0, 2.0, 1.4142135]])
    x = x.astype(F)
    got, want = ln_f32(x).astype(np.float64), np.log(x.astype(np.float64))
    rel = np.abs(got - want) / np.maximum(np.abs(want), 1e-3)
    assert rel.max() < 1e-6, (rel.max(), x[rel.argmax()])
    assert ln_f32(np.array([1.0], F))[0] == 0.0


def test_exp_is_within_2e7_relative_over_the_feature_range():
    y = np.concatenate([np.linspace(-40, 40, 400_001), [0.0, -87.0, 88.0]]).astype(F)
    got, want = exp_f32(y).astype(np.float64), np.exp(y.astype(np.float64))
    rel = np.abs(got - want) / want
    assert rel.max() < 2e-7, (rel.max(), y[rel.argmax()])
    assert exp_f32(np.array([0.0], F))[0] == 1.0 and exp_f32(np.array([np.nan], F))[0] == exp_f32(F(-87))


@pytest.mark.parametrize("c", [ChainSpec(), ChainSpec(512, 256, "hann", "power-law", 0.3),
                               ChainSpec(512, 128, "sqrt-hann", "power-law", 1.0), ChainSpec(320, 80, "hann")],
                         ids=_id)  # fmt: skip
def test_mirror_features_follow_the_spec(c):
    pcm = utterance()
    frames = c.frames(pcm).astype(np.int16)
    re, im = chain.analysis(frames[:, : c.latency], frames[:, c.latency :], c)
    want = c.features(pcm)
    got = chain.feature(re, im, c)
    if c.feature == "log-power":
        assert np.abs(got - want).max() < 5e-4
    else:  # relative: the compressed magnitude spans 0.002 (the floor) to about 50
        assert np.abs(got - want).max() / np.abs(want).max() < 2e-6


def _unity_stream(pcm: np.ndarray, c: ChainSpec) -> np.ndarray:
    """The mirror chain with a mask of exactly 1, hop by hop from a fresh state."""
    from hil.step.chain import stream_hops_of

    prev, tail, out = np.zeros(c.latency, np.int16), np.zeros(c.latency, F), []
    one = np.ones(c.bins, np.int8)
    for hop in stream_hops_of(pcm, c):
        re, im = chain.analysis(prev, hop, c)
        re, im = chain.apply_mask(one, 1.0, 0, re, im)
        y, tail = chain.synthesis(re, im, tail, c)
        out.append(y)
        prev = np.concatenate([prev[c.hop :], hop])
    return np.concatenate(out)[c.latency : c.latency + len(pcm)]


@pytest.mark.parametrize("c", CHAINS[::2], ids=_id)
def test_unity_mask_reconstructs_the_input_within_1_lsb(c):
    """ISTFT(STFT(x)) == x on the board's float32 chain, for every window and hop (the features play no part)."""
    pcm = utterance()
    loud = np.concatenate([pcm, np.array([32767, -32768] * 200, np.int16)])  # full scale, saturation edge
    err = np.abs(_unity_stream(loud, c).astype(np.int32) - loud)
    assert err.max() <= 1, (err.max(), np.argmax(err))
    assert np.count_nonzero(err) < len(loud) // 100


@pytest.mark.parametrize("c", CHAINS[::2], ids=_id)
def test_spec_istft_inverts_stft_for_every_window_and_hop(c):
    x = np.random.default_rng(4).uniform(-1, 1, 5000)
    assert np.abs(c.istft(c.stft(x), len(x)) - x).max() < 1e-12


def test_c_ln_and_exp_are_bit_exact_with_the_mirror():
    lib, rng = dsp_lib(), np.random.default_rng(2)
    x = np.exp(rng.uniform(-21, 12, 50_000)).astype(F)
    y = np.zeros_like(x)
    lib.hil_sim_ln(_p(x), _p(y), len(x))
    _same(y, ln_f32(x), "ln")
    x = np.concatenate([rng.uniform(-100, 100, 50_000), [np.nan, np.inf, -np.inf, 0.0, -0.0]]).astype(F)
    y = np.zeros_like(x)
    lib.hil_sim_exp(_p(x), _p(y), len(x))
    _same(y, exp_f32(x), "exp")


@pytest.mark.parametrize("c", CHAINS, ids=_id)
def test_c_analysis_is_bit_exact_with_the_mirror(c):
    lib, rng = _stages(c), np.random.default_rng(2)
    for scale in (1, 300, 32768):
        pcm = np.clip(rng.normal(0, scale, size=c.fft_size), -32768, 32767).astype(np.int16)
        prev, hop = pcm[: c.latency].copy(), pcm[c.latency :].copy()
        re, im = np.zeros(c.bins, F), np.zeros(c.bins, F)
        lib.hil_sim_analysis(_p(prev), _p(hop), _p(re), _p(im))
        want_re, want_im = chain.analysis(prev, hop, c)
        _same(re, want_re, f"analysis re (scale {scale})")
        _same(im, want_im, f"analysis im (scale {scale})")


@pytest.mark.parametrize("c", CHAINS, ids=_id)
@pytest.mark.parametrize("inv_scale, zp", [(13.27, 55), (1.0, 0), (250.0, -128), (0.01, 127)])
def test_c_features_mask_and_synthesis_are_bit_exact_with_the_mirror(inv_scale, zp, c):
    lib, rng = _stages(c), np.random.default_rng(3)
    for gain in (1e-6, 1.0, 3e3):  # the power floor, speech, output saturation
        re, im = (rng.normal(size=(2, c.bins)) * gain).astype(F)
        q = np.zeros(c.bins, np.int8)
        lib.hil_sim_features(_p(re), _p(im), ctypes.c_float(inv_scale), zp, _p(q))
        _same(q, chain.features(re, im, inv_scale, zp, c), f"features (gain {gain})")
        mask = rng.integers(-128, 128, c.bins, dtype=np.int8)
        mr, mi = re.copy(), im.copy()
        lib.hil_sim_apply_mask(_p(mask), ctypes.c_float(1 / 256), zp, _p(mr), _p(mi))
        want_r, want_i = chain.apply_mask(mask, 1 / 256, zp, re, im)
        _same(mr, want_r, "mask re")
        _same(mi, want_i, "mask im")
        tail = (rng.normal(size=c.latency) * 1000 * gain).astype(F)
        out, new_tail = np.zeros(c.hop, np.int16), tail.copy()
        lib.hil_sim_synthesis(_p(re), _p(im), _p(new_tail), _p(out))
        want_out, want_tail = chain.synthesis(re, im, tail, c)
        _same(out, want_out, f"synthesis pcm (gain {gain})")
        _same(new_tail, want_tail, "synthesis tail")


BAD_CHAINS = {  # what the board cannot run, and the code hil_stft_setup refuses it with
    "FFT size": (ChainSpec(400, 200), 1),
    "hop": (ChainSpec(512, 200), 2),
    "window": (ChainSpec(512, 256, "hamming"), 3),
    "feature": (ChainSpec(320, 160, feature="mel"), 4),
    "exponent": (ChainSpec(512, 256, feature="power-law", exponent=2.5), 5),
    "mask": (ChainSpec(mask="complex"), 6),
}


@pytest.mark.parametrize("what", BAD_CHAINS)
def test_chains_the_board_cannot_run_are_refused_in_one_line_and_by_the_c(what):
    bad, code = BAD_CHAINS[what]
    with pytest.raises(ConfigError, match=f"wanted an? {what}|wanted 0 < exponent") as err:
        bad.check()
    assert "\n" not in str(err.value) and bad.label() in str(err.value)
    lib = _stages(ChainSpec())
    got = lib.hil_sim_chain(bad.fft_size, bad.hop, WINDOWS.get(bad.window, 0), FEATURES.get(bad.feature, 0),
                            ctypes.c_float(bad.exponent), MASKS.get(bad.mask, 0))  # fmt: skip
    assert got == code
    _stages(ChainSpec())  # the stages take a good chain again


def test_chains_read_from_cards_are_checked():
    assert ChainSpec.from_dict(spec.FSENET.to_dict()) == spec.FSENET
    assert ChainSpec.from_dict({"fft_size": 512, "hop": 256}) == ChainSpec(512, 256)
    for d, wanted in [({"fft_size": 1024}, "FFT size"), ({"hop": "160"}, "hop of type int"), ([], "keys"),
                      ({"fft": 320}, "keys"), ({"feature": "power-law"}, "exponent")]:  # fmt: skip
        with pytest.raises(ConfigError, match=wanted):
            ChainSpec.from_dict(d, "card.json")


def test_round_sat_rounds_half_away_and_saturates():
    v = np.array([0.5, -0.5, 1.49999994, 2.5, -2.5, 0.49999997, 32766.5, 32767.9, 1e9, -1e9, np.nan], F)
    np.testing.assert_array_equal(round_sat(v, -32768, 32767),
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
