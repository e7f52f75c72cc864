"""The board's FFTs in numpy float32, operation for operation (firmware/src/dsp/fft.c, rfft.c).

Every expression rounds exactly where the C rounds (float32 add and multiply, no fused multiply-add, no
reductions), with the twiddles of hil.dsp.tables, so spectra equal the board's bit for bit. Functions take
one frame on the last axis and broadcast over leading ones. The FFT size is the frame's length (rfft) or
twice the bins less one (irfft), and must be one of the plans (hil.dsp.spec.FFT_RADICES).
"""

from __future__ import annotations

import numpy as np

from hil.dsp.tables import Plan, plan, radix5

F = np.float32
_HALF = F(0.5)


def _twiddle(p: Plan, re, im, t):
    """(re, im) * W^t, W = exp(-2 pi i / N): (a c - b s, a s + b c)."""
    c, s = p.tw_re[t], p.tw_im[t]
    return re * c - im * s, re * s + im * c


def _radix5(xr, xi):
    """A first Stockham stage of radix 5 (ns = 1): M/5 butterflies of x[j + r M/5], no twiddles."""
    c1, c2, s1, s2 = radix5()
    st = xr.shape[-1] // 5
    pr = [xr[..., r * st : (r + 1) * st] for r in range(5)]
    pi = [xi[..., r * st : (r + 1) * st] for r in range(5)]
    t1r, t1i = pr[1] + pr[4], pi[1] + pi[4]
    t2r, t2i = pr[2] + pr[3], pi[2] + pi[3]
    t3r, t3i = pr[1] - pr[4], pi[1] - pi[4]
    t4r, t4i = pr[2] - pr[3], pi[2] - pi[3]
    a1r, a1i = (pr[0] + c1 * t1r) + c2 * t2r, (pi[0] + c1 * t1i) + c2 * t2i
    a2r, a2i = (pr[0] + c2 * t1r) + c1 * t2r, (pi[0] + c2 * t1i) + c1 * t2i
    b1r, b1i = s1 * t3r + s2 * t4r, s1 * t3i + s2 * t4i
    b2r, b2i = s2 * t3r - s1 * t4r, s2 * t3i - s1 * t4i
    yr, yi = np.empty_like(xr), np.empty_like(xi)
    outs = [((pr[0] + t1r) + t2r, (pi[0] + t1i) + t2i), (a1r + b1i, a1i - b1r), (a2r + b2i, a2i - b2r),
            (a2r - b2i, a2i + b2r), (a1r - b1i, a1i + b1r)]  # fmt: skip
    for r, (vr, vi) in enumerate(outs):
        yr[..., r::5], yi[..., r::5] = vr, vi
    return yr, yi


def _radix2(p: Plan, xr, xi, ns: int):
    """A radix-2 stage after sub-transforms of length ns (stage_radix2 in fft.c): always twiddled."""
    m = xr.shape[-1]
    j = np.arange(m // 2)
    k = j % ns
    d = (j // ns) * 2 * ns + k
    vr, vi = _twiddle(p, xr[..., j + m // 2], xi[..., j + m // 2], k * (p.fft_size // (2 * ns)))
    yr, yi = np.empty_like(xr), np.empty_like(xi)
    yr[..., d], yi[..., d] = xr[..., j] + vr, xi[..., j] + vi
    yr[..., d + ns], yi[..., d + ns] = xr[..., j] - vr, xi[..., j] - vi
    return yr, yi


def _radix4(p: Plan, xr, xi, ns: int):
    """A radix-4 stage after sub-transforms of length ns (stage_radix4, butterfly4): the partners twiddled
    unless k = 0 (W^0 = 1; every k of the first stage)."""
    m = xr.shape[-1]
    q = m // 4
    j = np.arange(q)
    k = j % ns
    d = (j // ns) * 4 * ns + k
    a = [(xr[..., j + r * q], xi[..., j + r * q]) for r in range(4)]
    for r in (1, 2, 3):
        tr, ti = _twiddle(p, *a[r], r * k * (p.fft_size // (4 * ns)))
        a[r] = np.where(k == 0, a[r][0], tr), np.where(k == 0, a[r][1], ti)
    (a0r, a0i), (a1r, a1i), (a2r, a2i), (a3r, a3i) = a
    t0r, t0i, t1r, t1i = a0r + a2r, a0i + a2i, a0r - a2r, a0i - a2i
    t2r, t2i, t3r, t3i = a1r + a3r, a1i + a3i, a1r - a3r, a1i - a3i
    yr, yi = np.empty_like(xr), np.empty_like(xi)
    outs = [(t0r + t2r, t0i + t2i), (t1r + t3i, t1i - t3r), (t0r - t2r, t0i - t2i), (t1r - t3i, t1i + t3r)]
    for r, (vr, vi) in enumerate(outs):
        yr[..., d + r * ns], yi[..., d + r * ns] = vr, vi
    return yr, yi


def fft(p: Plan, re: np.ndarray, im: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Forward DFT of fft_size / 2 complex points (hil_fft)."""
    re, im = np.asarray(re, F), np.asarray(im, F)
    for radix, ns in p.stages:
        if radix == 5:
            re, im = _radix5(re, im)
        else:
            re, im = (_radix4 if radix == 4 else _radix2)(p, re, im, ns)
    return re, im


def rfft(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Real FFT of N samples into N/2 + 1 bins (hil_rfft)."""
    x = np.asarray(x, F)
    p, m = plan(x.shape[-1]), x.shape[-1] // 2
    zr, zi = fft(p, x[..., 0::2], x[..., 1::2])
    k = np.arange(1, m)
    ar, ai, br, bi = zr[..., k], zi[..., k], zr[..., m - k], zi[..., m - k]
    er, ei = (ar + br) * _HALF, (ai - bi) * _HALF
    o_r, oi = (ai + bi) * _HALF, (br - ar) * _HALF
    c, s = p.tw_re[k], p.tw_im[k]
    shape = x.shape[:-1] + (m + 1,)
    re, im = np.zeros(shape, F), np.zeros(shape, F)
    re[..., 0], re[..., m] = zr[..., 0] + zi[..., 0], zr[..., 0] - zi[..., 0]
    re[..., 1:m] = er + (o_r * c - oi * s)
    im[..., 1:m] = ei + (o_r * s + oi * c)
    return re, im


def irfft(re: np.ndarray, im: np.ndarray) -> np.ndarray:
    """N/2 x the inverse real FFT of N/2 + 1 bins (hil_irfft; im[0] and im[N/2] are ignored)."""
    re, im = np.asarray(re, F), np.array(im, F)
    m = re.shape[-1] - 1
    p = plan(2 * m)
    im[..., 0] = im[..., m] = 0
    k = np.arange(m)
    ar, ai, br, bi = re[..., k], im[..., k], re[..., m - k], im[..., m - k]
    er, ei = (ar + br) * _HALF, (ai - bi) * _HALF
    dr, di = (ar - br) * _HALF, (ai + bi) * _HALF
    c, s = p.tw_re[k], p.tw_im[k]
    o_r, oi = dr * c + di * s, di * c - dr * s
    fr, fi = fft(p, er - oi, -(ei + o_r))
    x = np.empty(re.shape[:-1] + (2 * m,), F)
    x[..., 0::2], x[..., 1::2] = fr, -fi
    return x
