/* The N-point real FFT and its inverse on the N/2-point complex FFT (fft.c).
 * Every expression is written in the order hil/dsp/fft.py evaluates it. */
#include "hil/stft.h"

/* X[k] = E + W^k O with E = (Z[k] + conj Z[M-k]) / 2, O = (Z[k] - conj Z[M-k]) / 2i. */
void hil_rfft(const hil_stft_plan_t *p, const float *x, float *re, float *im, float *work)
{
    const unsigned m = p->fft_size / 2u;
    float *zr = work, *zi = work + m;
    for (unsigned n = 0; n < m; n++) {
        zr[n] = x[2u * n];
        zi[n] = x[2u * n + 1u];
    }
    hil_fft(p, zr, zi, work + 2u * m);
    re[0] = zr[0] + zi[0];
    im[0] = 0.0f;
    re[m] = zr[0] - zi[0];
    im[m] = 0.0f;
    for (unsigned k = 1; k < m; k++) {
        const float ar = zr[k], ai = zi[k], br = zr[m - k], bi = zi[m - k];
        const float er = (ar + br) * 0.5f, ei = (ai - bi) * 0.5f;
        const float o_r = (ai + bi) * 0.5f, oi = (br - ar) * 0.5f;
        const float c = p->tw_re[k], s = p->tw_im[k];
        re[k] = er + (o_r * c - oi * s);
        im[k] = ei + (o_r * s + oi * c);
    }
}

/* Z[k] = E + i O with E = (X[k] + conj X[M-k]) / 2, O = (X[k] - conj X[M-k]) / 2 * conj W^k;
 * the inverse DFT of Z is conj(DFT(conj Z)). */
void hil_irfft(const hil_stft_plan_t *p, const float *re, const float *im, float *x, float *work)
{
    const unsigned m = p->fft_size / 2u;
    float *zr = work, *zi = work + m;
    for (unsigned k = 0; k < m; k++) {
        const float ar = re[k], ai = k == 0u ? 0.0f : im[k], br = re[m - k], bi = k == 0u ? 0.0f : im[m - k];
        const float er = (ar + br) * 0.5f, ei = (ai - bi) * 0.5f;
        const float dr = (ar - br) * 0.5f, di = (ai + bi) * 0.5f;
        const float c = p->tw_re[k], s = p->tw_im[k]; /* conj W^k = c - i s */
        const float o_r = dr * c + di * s, oi = di * c - dr * s;
        zr[k] = er - oi;
        zi[k] = -(ei + o_r);
    }
    hil_fft(p, zr, zi, work + 2u * m);
    for (unsigned n = 0; n < m; n++) {
        x[2u * n] = zr[n];
        x[2u * n + 1u] = -zi[n];
    }
}
