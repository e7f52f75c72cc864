/* The 160-point complex FFT (Stockham autosort, decimation in time) and the
 * 320-point real FFT built on it. Every expression is written in the order
 * hil/dsp/chain.py evaluates it; keep the two in step. */
#include "hil/stft.h"

#define N HIL_STFT_FFT

/* (re, im) *= W^t, W = exp(-2 pi i / 320) */
static inline void twiddle(float *re, float *im, unsigned t)
{
    const float c = hil_stft_tw_re[t], s = hil_stft_tw_im[t];
    const float a = *re, b = *im;
    *re = a * c - b * s;
    *im = a * s + b * c;
}

/* The first stage (ns = 1): radix 5, no twiddles. */
static void stage_radix5(const float *xr, const float *xi, float *yr, float *yi)
{
    const float c1 = hil_stft_radix5[0], c2 = hil_stft_radix5[1];
    const float s1 = hil_stft_radix5[2], s2 = hil_stft_radix5[3];
    const unsigned stride = N / 5u;
    for (unsigned j = 0; j < stride; j++) {
        const float *pr = xr + j, *pi = xi + j;
        const float t1r = pr[stride] + pr[4u * stride], t1i = pi[stride] + pi[4u * stride];
        const float t2r = pr[2u * stride] + pr[3u * stride], t2i = pi[2u * stride] + pi[3u * stride];
        const float t3r = pr[stride] - pr[4u * stride], t3i = pi[stride] - pi[4u * stride];
        const float t4r = pr[2u * stride] - pr[3u * stride], t4i = pi[2u * stride] - pi[3u * stride];
        const float a1r = (pr[0] + c1 * t1r) + c2 * t2r, a1i = (pi[0] + c1 * t1i) + c2 * t2i;
        const float a2r = (pr[0] + c2 * t1r) + c1 * t2r, a2i = (pi[0] + c2 * t1i) + c1 * t2i;
        const float b1r = s1 * t3r + s2 * t4r, b1i = s1 * t3i + s2 * t4i;
        const float b2r = s2 * t3r - s1 * t4r, b2i = s2 * t3i - s1 * t4i;
        float *qr = yr + 5u * j, *qi = yi + 5u * j;
        qr[0] = (pr[0] + t1r) + t2r;
        qi[0] = (pi[0] + t1i) + t2i;
        qr[1] = a1r + b1i;
        qi[1] = a1i - b1r;
        qr[4] = a1r - b1i;
        qi[4] = a1i + b1r;
        qr[2] = a2r + b2i;
        qi[2] = a2i - b2r;
        qr[3] = a2r - b2i;
        qi[3] = a2i + b2r;
    }
}

/* A radix-2 stage after sub-transforms of length ns: element j = b*ns + k
 * pairs with j + 80, its partner twiddled by W_{2ns}^k = W^(k * 160/ns). */
static void stage_radix2(const float *xr, const float *xi, float *yr, float *yi, unsigned ns)
{
    const unsigned half = N / 2u, step = N / ns;
    for (unsigned b = 0; b < half / ns; b++) {
        for (unsigned k = 0; k < ns; k++) {
            const unsigned j = b * ns + k, d = b * 2u * ns + k;
            float vr = xr[j + half], vi = xi[j + half];
            twiddle(&vr, &vi, k * step);
            yr[d] = xr[j] + vr;
            yi[d] = xi[j] + vi;
            yr[d + ns] = xr[j] - vr;
            yi[d + ns] = xi[j] - vi;
        }
    }
}

void hil_fft160(float *re, float *im, float *scratch)
{
    float *sr = scratch, *si = scratch + N;
    stage_radix5(re, im, sr, si);
    /* five radix-2 stages, ping-ponging so that the last lands in re/im */
    stage_radix2(sr, si, re, im, 5u);
    stage_radix2(re, im, sr, si, 10u);
    stage_radix2(sr, si, re, im, 20u);
    stage_radix2(re, im, sr, si, 40u);
    stage_radix2(sr, si, re, im, 80u);
}

/* X[k] = E + W^k O with E = (Z[k] + conj Z[N-k]) / 2, O = (Z[k] - conj Z[N-k]) / 2i. */
void hil_rfft320(const float *x, float *re, float *im, float *work)
{
    float *zr = work, *zi = work + N;
    for (unsigned n = 0; n < N; n++) {
        zr[n] = x[2u * n];
        zi[n] = x[2u * n + 1u];
    }
    hil_fft160(zr, zi, work + 2u * N);
    re[0] = zr[0] + zi[0];
    im[0] = 0.0f;
    re[N] = zr[0] - zi[0];
    im[N] = 0.0f;
    for (unsigned k = 1; k < N; k++) {
        const float ar = zr[k], ai = zi[k], br = zr[N - k], bi = zi[N - k];
        const float er = (ar + br) * 0.5f, ei = (ai - bi) * 0.5f;
        const float o_r = (ai + bi) * 0.5f, oi = (br - ar) * 0.5f;
        const float c = hil_stft_tw_re[k], s = hil_stft_tw_im[k];
        re[k] = er + (o_r * c - oi * s);
        im[k] = ei + (o_r * s + oi * c);
    }
}

/* Z[k] = E + i O with E = (X[k] + conj X[160-k]) / 2, O = (X[k] - conj X[160-k]) / 2 * conj W^k;
 * the inverse DFT of Z is conj(DFT(conj Z)). */
void hil_irfft320(const float *re, const float *im, float *x, float *work)
{
    float *zr = work, *zi = work + N;
    for (unsigned k = 0; k < N; k++) {
        const float ar = re[k], ai = k == 0u ? 0.0f : im[k], br = re[N - k], bi = k == 0u ? 0.0f : im[N - k];
        const float er = (ar + br) * 0.5f, ei = (ai - bi) * 0.5f;
        const float dr = (ar - br) * 0.5f, di = (ai + bi) * 0.5f;
        const float c = hil_stft_tw_re[k], s = hil_stft_tw_im[k]; /* conj W^k = c - i s */
        const float o_r = dr * c + di * s, oi = di * c - dr * s;
        zr[k] = er - oi;
        zi[k] = -(ei + o_r);
    }
    hil_fft160(zr, zi, work + 2u * N);
    for (unsigned n = 0; n < N; n++) {
        x[2u * n] = zr[n];
        x[2u * n + 1u] = -zi[n];
    }
}
