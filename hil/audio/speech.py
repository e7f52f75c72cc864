"""Speech from espeak-ng: the voices (accent + `+variant`), and sentences from a seeded grammar.

Everything is offline: Debian's espeak-ng 1.51 (no -P option). An utterance is synthesised with
`espeak-ng --stdout` (22.05 kHz int16) and resampled to 16 kHz in numpy, so the same
(voice, variant, rate, pitch, text) always gives the same samples.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import numpy as np

from hil.audio import SAMPLE_RATE
from hil.errors import HilError, ToolMissingError


# The accents (espeak-ng's own English voices; the mbrola ones need extra packages).
ACCENTS = ["en", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-us-nyc"]

# `+variant` voices that sound like a person (robot, croak and whisper effects left out). A variant is
# the speaker identity the splits partition.
VARIANTS = [
    "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "f1", "f2", "f3", "f4", "f5",
    "klatt", "klatt2", "klatt3", "klatt4", "klatt6",
    "adam", "Andy", "Annie", "aunty", "belinda", "benjamin", "caleb", "david", "ed", "edward",
    "grandma", "grandpa", "john", "linda", "max", "Michael", "norbert", "paul", "quincy", "rob",
    "robert", "steph", "travis", "victor", "zac",
]  # fmt: skip

RATE_RANGE = (130, 200)  # words per minute (-s)
PITCH_RANGE = (25, 75)  # 0..99 (-p)

ESPEAK_DATA = Path("/usr/lib/x86_64-linux-gnu/espeak-ng-data")

_DET = ["the", "a", "every", "one", "that", "this", "my", "your", "our", "her", "his", "some"]
_ADJ = [
    "old", "young", "quiet", "loud", "green", "red", "small", "large", "happy", "tired", "clever",
    "bright", "dark", "heavy", "gentle", "brave", "lazy", "rapid", "silver", "wooden", "cold", "warm",
]  # fmt: skip
_NOUN = [
    "dog", "cat", "farmer", "teacher", "engine", "river", "window", "garden", "doctor", "pilot",
    "baker", "train", "bird", "horse", "student", "neighbour", "captain", "painter", "robot", "child",
    "sailor", "market", "letter", "lamp", "kettle", "bridge", "tower", "forest", "village", "radio",
]  # fmt: skip
_VERB_T = [
    "found", "painted", "carried", "watched", "opened", "moved", "cleaned", "followed", "repaired",
    "closed", "visited", "counted", "lifted", "pushed", "dropped", "borrowed", "noticed", "called",
]  # fmt: skip
_VERB_I = ["slept", "waited", "laughed", "arrived", "stopped", "listened", "smiled", "worked", "sang", "left"]
_ADV = ["slowly", "quickly", "again", "today", "yesterday", "at noon", "at night", "twice", "early", "late"]
_PREP = ["near", "behind", "under", "beside", "across", "inside", "past", "around"]
_NUM = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "twenty"]


MIN_WORDS = 4  # the grammar's shortest form: "The dog runs slowly."


def _np(rng) -> str:
    adj = f"{rng.choice(_ADJ)} " if rng.random() < 0.6 else ""
    return f"{rng.choice(_DET)} {adj}{rng.choice(_NOUN)}"


def _sentence(rng, max_words: int) -> str:
    for _ in range(100):
        form = int(rng.integers(6))
        if form == 0:
            s = f"{_np(rng)} {rng.choice(_VERB_T)} {_np(rng)}"
        elif form == 1:
            s = f"{_np(rng)} {rng.choice(_VERB_I)} {rng.choice(_ADV)}"
        elif form == 2:
            s = f"{_np(rng)} {rng.choice(_VERB_I)} {rng.choice(_PREP)} {_np(rng)}"
        elif form == 3:
            s = f"{_np(rng)} {rng.choice(_VERB_T)} {rng.choice(_NUM)} {rng.choice(_NOUN)}s {rng.choice(_ADV)}"
        elif form == 4:
            s = f"did {_np(rng)} see {_np(rng)} {rng.choice(_PREP)} {_np(rng)}"
        else:
            s = f"{_np(rng)} and {_np(rng)} {rng.choice(_VERB_I)} {rng.choice(_ADV)}"
        if len(s.split()) <= max_words:
            return s[0].upper() + s[1:] + ("?" if form == 4 else ".")
    return f"{rng.choice(_NOUN).capitalize()} {rng.choice(_VERB_I)}."


def sentence_pool(rng: np.random.Generator, count: int, max_words: int = 12) -> list[str]:
    """`count` distinct sentences, in the order the seeded grammar produced them."""
    seen: dict[str, None] = {}
    for _ in range(count * 50):
        seen.setdefault(_sentence(rng, max_words), None)
        if len(seen) == count:
            return list(seen)
    raise HilError(f"the grammar gave only {len(seen)} distinct sentences of at most {max_words} words, wanted {count}")


@lru_cache(maxsize=1)
def espeak_version() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise ToolMissingError("espeak-ng is not installed: run scripts/setup-system.sh (apt-get install espeak-ng)")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True).stdout
    return out.split("Data at")[0].replace("eSpeak NG text-to-speech:", "").strip()


def check_voices() -> None:
    """Every accent and variant hil draws from is installed."""
    espeak_version()
    missing = [f"+{v}" for v in VARIANTS if not (ESPEAK_DATA / "voices" / "!v" / v).exists()]
    if missing:
        raise ToolMissingError(f"espeak-ng lacks the variant voices {', '.join(missing)} (in {ESPEAK_DATA}/voices/!v)")


def resample(x: np.ndarray, sr_in: int, sr_out: int = SAMPLE_RATE) -> np.ndarray:
    """Band-limited resampling by FFT (zero-padded against wrap-around), float64 out."""
    if sr_in == sr_out:
        return x.astype(np.float64)
    n_out = int(round(len(x) * sr_out / sr_in))
    pad = 1024
    xp = np.concatenate([x.astype(np.float64), np.zeros(pad)])
    m_in = len(xp)
    m_out = int(round(m_in * sr_out / sr_in))
    spec = np.fft.rfft(xp)
    keep = m_out // 2 + 1
    spec = spec[:keep] if len(spec) >= keep else np.pad(spec, (0, keep - len(spec)))
    y = np.fft.irfft(spec, m_out) * (m_out / m_in)
    return y[:n_out]


def synthesize(voice: str, variant: str, rate: int, pitch: int, text: str) -> np.ndarray:
    """One utterance as float64 at 16 kHz in [-1, 1], leading and trailing silence trimmed to 50 ms."""
    cmd = ["espeak-ng", "-v", f"{voice}+{variant}", "-s", str(rate), "-p", str(pitch), "--stdout", text]
    try:
        proc = subprocess.run(cmd, capture_output=True, check=False, timeout=60)
    except FileNotFoundError:
        raise ToolMissingError("espeak-ng is not installed: run scripts/setup-system.sh") from None
    data = proc.stdout
    if proc.returncode != 0 or len(data) < 44 or data[:4] != b"RIFF":
        msg = proc.stderr.decode(errors="replace").strip().splitlines()
        raise HilError(f"espeak-ng failed for voice {voice}+{variant}: {msg[0] if msg else 'no audio'}")
    sr = int.from_bytes(data[24:28], "little")
    pcm = np.frombuffer(data[44 : 44 + (len(data) - 44) // 2 * 2], dtype="<i2").astype(np.float64) / 32768.0
    y = resample(pcm, sr)
    loud = np.flatnonzero(np.abs(y) > 1e-3)
    if len(loud) == 0:
        raise HilError(f"espeak-ng gave silence for voice {voice}+{variant} and {text!r}")
    margin = SAMPLE_RATE // 20
    return y[max(0, loud[0] - margin) : loud[-1] + margin]
