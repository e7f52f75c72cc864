"""The chain's constant tables, computed in float64 and rounded once to float32.

The board (firmware/src/dsp/tables.c, written by `write_c`) and the host mirror (hil.dsp.chain) use the
very same float32 values, so neither computes a sine or cosine at run time. Per FFT size the board runs
(hil.dsp.spec.FFT_RADICES): a plan (its Stockham stages and the twiddles W^t = exp(-2 pi i t / N) that
they and the real split use); per size and window kind the analysis window; per size, hop and window
kind the synthesis window. Windows are symmetric (w[n] = w[N - n]): the board keeps n <= N/2 only and
the mirror the whole, built from that half. All of it is const: in flash on the board.
Regenerate the C file with `python -m hil.dsp.tables`; tests/test_dsp_chain.py checks it is current.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from hil.dsp import spec

C_PATH = Path(__file__).resolve().parents[2] / "firmware" / "src" / "dsp" / "tables.c"
_C_KIND = {"sqrt-hann": "HIL_STFT_SQRT_HANN", "hann": "HIL_STFT_HANN"}


def _f32(x) -> np.ndarray:
    return np.asarray(x, np.float64).astype(np.float32)


def stages(fft_size: int) -> list[tuple[int, int]]:
    """(radix, ns) of each Stockham stage of the complex FFT of fft_size / 2 points, ns the length of the
    sub-transforms the stage combines (1 for the first)."""
    out, ns = [], 1
    for radix in spec.FFT_RADICES[fft_size]:
        out.append((radix, ns))
        ns *= radix
    return out


def twiddle_count(fft_size: int) -> int:
    """How many W^t the plan reads: t < N/2 in the real split, k r N / (R ns) in a stage (no twiddles
    in a first stage, where ns = 1)."""
    used = [(ns - 1) * (r - 1) * fft_size // (r * ns) for r, ns in stages(fft_size) if ns > 1]
    return max([fft_size // 2 - 1, *used]) + 1


@dataclass(frozen=True)
class Plan:
    fft_size: int
    stages: tuple  # ((radix, ns), ...)
    tw_re: np.ndarray  # cos(2 pi t / N)
    tw_im: np.ndarray  # -sin(2 pi t / N)


@cache
def plan(fft_size: int) -> Plan:
    angle = 2.0 * np.pi * np.arange(twiddle_count(fft_size)) / fft_size
    return Plan(fft_size, tuple(stages(fft_size)), _f32(np.cos(angle)), _f32(-np.sin(angle)))


@cache
def radix5() -> np.ndarray:
    """cos(2pi/5), cos(4pi/5), sin(2pi/5), sin(4pi/5)."""
    return _f32([np.cos(2 * np.pi / 5), np.cos(4 * np.pi / 5), np.sin(2 * np.pi / 5), np.sin(4 * np.pi / 5)])


def _symmetric(window: np.ndarray) -> np.ndarray:
    """The float32 window from its half n <= N/2 (w[N - n] = w[n])."""
    half = _f32(window[: len(window) // 2 + 1])
    return np.concatenate([half, half[1:-1][::-1]])


@cache
def windows(fft_size: int, hop: int, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(analysis, synthesis): window / 32768 (int16 PCM to [-1, 1) and windowed in one multiply) and the dual
    synthesis window * 32768 / (N/2) (the inverse FFT's 1/(N/2) and the PCM scale folded in)."""
    chain = spec.ChainSpec(fft_size, hop, kind)
    return _symmetric(chain.window_values() / 32768.0), _symmetric(chain.synthesis_window() * 32768.0 / (fft_size // 2))


def window_keys() -> list[tuple[int, int, str]]:
    """Every (fft_size, hop, window kind) the board has tables for."""
    return [(n, n // k, w) for n in spec.FFT_RADICES for k in spec.OVERLAPS for w in spec.WINDOWS]


def _literal(v: float) -> str:
    text = f"{v:.9g}"
    return text + ("f" if any(c in text for c in ".e") else ".0f")


def _c_array(name: str, values: np.ndarray, static: bool = True) -> str:
    """A `const float` array whose literals (%.9g) read back as exactly these float32 values."""
    items = [_literal(float(v)) for v in values]
    rows = [", ".join(items[i : i + 6]) for i in range(0, len(items), 6)]
    body = ",\n    ".join(rows)
    return f"{'static ' if static else ''}const float {name}[{len(values)}] = {{\n    {body},\n}};\n"


def _ident(kind: str) -> str:
    return kind.replace("-", "_")


def _plans_c() -> list[str]:
    parts, rows = [], []
    for n in spec.FFT_RADICES:
        p = plan(n)
        parts += [f"/* W^t = exp(-2 pi i t / {n}), t < {len(p.tw_re)} */", _c_array(f"tw_re_{n}", p.tw_re),
                  _c_array(f"tw_im_{n}", p.tw_im)]  # fmt: skip
        radices = ", ".join(f"{r}u" for r, _ in p.stages)
        rows.append(f"    {{{n}u, {len(p.stages)}u, {{{radices}}}, tw_re_{n}, tw_im_{n}}},")
    table = "const hil_stft_plan_t hil_stft_plans[] = {\n" + "\n".join(rows) + "\n};\n"
    return parts + [table, f"const unsigned hil_stft_n_plans = {len(rows)}u;\n"]


def _windows_c() -> list[str]:
    parts, rows = [], []
    for n in spec.FFT_RADICES:
        for kind in spec.WINDOWS:
            half = windows(n, n // 2, kind)[0][: n // 2 + 1]
            parts += [f"/* periodic {kind} / 32768, n <= {n // 2} */", _c_array(f"analysis_{n}_{_ident(kind)}", half)]
    for n, hop, kind in window_keys():
        name, half = f"synthesis_{n}_{hop}_{_ident(kind)}", windows(n, hop, kind)[1][: n // 2 + 1]
        parts += [f"/* the dual of {kind} at hop {hop} * 32768 / {n // 2}, n <= {n // 2} */", _c_array(name, half)]
        rows.append(f"    {{{n}u, {hop}u, {_C_KIND[kind]}, analysis_{n}_{_ident(kind)}, {name}}},")
    table = "const hil_stft_window_t hil_stft_windows[] = {\n" + "\n".join(rows) + "\n};\n"
    return parts + [table, f"const unsigned hil_stft_n_windows = {len(rows)}u;\n"]


def _bounds_c() -> str:
    """Compile-time checks that hil/stft.h's buffer bounds hold every configuration here."""
    keys = window_keys()
    checks = {"fft": f"{max(spec.FFT_RADICES)}u <= HIL_STFT_MAX_FFT",
              "history": f"{max(n - h for n, h, _ in keys)}u <= HIL_STFT_MAX_HISTORY",
              "stages": f"{max(len(r) for r in spec.FFT_RADICES.values())}u <= HIL_STFT_MAX_STAGES"}  # fmt: skip
    return "".join(f"typedef char hil_stft_bound_{k}[({c}) ? 1 : -1];\n" for k, c in checks.items())


def c_source() -> str:
    """The text of firmware/src/dsp/tables.c."""
    head = ("/* GENERATED by hil/dsp/tables.py (python -m hil.dsp.tables): do not edit.\n"
            " * float64 values rounded once to float32; the host mirror (hil/dsp/chain.py) uses the same. */\n"
            '#include "hil/stft.h"\n')  # fmt: skip
    r5 = ["/* cos(2pi/5), cos(4pi/5), sin(2pi/5), sin(4pi/5) */", _c_array("hil_stft_radix5", radix5(), static=False)]
    return "\n".join([head, *_plans_c(), *_windows_c(), *r5, _bounds_c()])


def write_c(path: Path = C_PATH) -> Path:
    path.write_text(c_source())
    return path


if __name__ == "__main__":
    sys.stdout.write(f"wrote {write_c()}\n")
