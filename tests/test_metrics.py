"""PESQ-wb, STOI and SI-SDR on espeak speech: identities, a known mixing SNR, and ordering under degradation."""

import numpy as np
import pytest

from hil.errors import ConfigError
from hil.metrics import pesq_wb, scores, si_sdr, stoi


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """One clean utterance (int16) from a 3-utterance corpus, seeded."""
    from hil.audio.corpus import generate, load_split, read_wav

    out = tmp_path_factory.mktemp("corpus")
    generate(out, 3, seed=11, workers=1, progress=False)
    return read_wav(load_split(out, "train")[0].clean_path)[0]


def _white(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=n)


def _mix(clean_f: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    """clean + white noise at a whole-signal SNR of snr_db."""
    c = clean_f - clean_f.mean()
    noise = _white(len(c), seed)
    noise *= np.sqrt(np.mean(c**2) / np.mean(noise**2) / 10 ** (snr_db / 10))
    return clean_f + noise


def test_clean_against_itself_scores_the_maximum(clean):
    assert pesq_wb(clean, clean) >= 4.5
    assert stoi(clean, clean) == pytest.approx(1.0, abs=1e-6)
    assert si_sdr(clean, clean) > 100.0
    assert si_sdr(clean, 0.3 * clean) > 100.0  # scale-invariant


def test_int16_and_float_inputs_agree(clean):
    f = clean / 32768.0
    noisy = _mix(f, 5.0)
    assert si_sdr(clean, noisy) == pytest.approx(si_sdr(f, noisy), abs=1e-9)
    assert pesq_wb(clean, noisy) == pytest.approx(pesq_wb(f, noisy), abs=1e-6)


@pytest.mark.parametrize("snr_db", [-5.0, 0.0, 10.0, 20.0])
def test_si_sdr_of_a_mixture_is_its_snr(clean, snr_db):
    f = clean / 32768.0
    assert si_sdr(f, _mix(f, snr_db, seed=int(snr_db) + 10)) == pytest.approx(snr_db, abs=0.5)


def test_more_noise_scores_lower_on_every_metric(clean):
    f = clean / 32768.0
    mild, harsh = scores(f, _mix(f, 15.0)), scores(f, _mix(f, 0.0))
    for key in ("pesq_wb", "stoi", "si_sdr_db"):
        assert harsh[key] < mild[key], (key, mild, harsh)
    assert mild["pesq_wb"] < 4.5 and mild["stoi"] < 1.0


def test_unscorable_inputs_are_one_line_config_errors(clean):
    silent = np.zeros(len(clean))
    for fn in (pesq_wb, stoi, si_sdr):
        with pytest.raises(ConfigError) as exc:
            fn(silent, silent)
        assert "\n" not in str(exc.value)
    with pytest.raises(ConfigError, match="one length"):
        si_sdr(clean, clean[:-1])
    with pytest.raises(ConfigError, match="16000 Hz"):
        pesq_wb(clean, clean, sr=8000)
    with pytest.raises(ConfigError, match="finite"):
        stoi(clean / 32768.0, np.full(len(clean), np.nan))
