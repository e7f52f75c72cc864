/* The complex FFT of N/2 points behind the N-point real FFT: Stockham
 * autosort, decimation in time, one stage per radix of the plan (tables.c).
 * A stage after sub-transforms of length ns takes element j = b*ns + k and
 * its partners j + r M/R (M = N/2), twiddled by W_{R ns}^{rk} = W^(r k N/(R ns)),
 * W = exp(-2 pi i / N), and writes outputs b*R*ns + k + r*ns. Every
 * expression is written in the order hil/dsp/fft.py evaluates it; keep the
 * two in step. */
#include "hil/stft.h"

/* (re, im) *= W^t */
static inline void twiddle(const hil_stft_plan_t *p, float *re, float *im, unsigned t)
{
    const float c = p->tw_re[t], s = p->tw_im[t];
    const float a = *re, b = *im;
    *re = a * c - b * s;
    *im = a * s + b * c;
}

/* Radix 5, only as the first stage (ns = 1): no twiddles. */
static void stage_radix5(unsigned m, const float *xr, const float *xi, float *yr, float *yi)
{
    const float c1 = hil_stft_radix5[0], c2 = hil_stft_radix5[1];
    const float s1 = hil_stft_radix5[2], s2 = hil_stft_radix5[3];
    const unsigned stride = m / 5u;
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

/* Radix 2: the partner is always twiddled (W^0 too). */
static void stage_radix2(const hil_stft_plan_t *p, unsigned m, const float *xr, const float *xi, float *yr,
                         float *yi, unsigned ns)
{
    const unsigned half = m / 2u, step = p->fft_size / (2u * ns);
    for (unsigned b = 0; b < half / ns; b++) {
        for (unsigned k = 0; k < ns; k++) {
            const unsigned j = b * ns + k, d = b * 2u * ns + k;
            float vr = xr[j + half], vi = xi[j + half];
            twiddle(p, &vr, &vi, k * step);
            yr[d] = xr[j] + vr;
            yi[d] = xi[j] + vi;
            yr[d + ns] = xr[j] - vr;
            yi[d + ns] = xi[j] - vi;
        }
    }
}

/* One radix-4 butterfly of x[j + r q], r < 4, into y[d + r ns]: y_r = sum_s a_s (-i)^(rs), the partners
 * a_s = x[j + s q] W^(s t) twiddled unless t = 0 (W^0 = 1: k = 0, and every k of the first stage). */
static inline void butterfly4(const hil_stft_plan_t *p, const float *xr, const float *xi, unsigned j, unsigned q,
                              unsigned t, float *yr, float *yi, unsigned d, unsigned ns)
{
    float ar[4], ai[4];
    for (unsigned r = 0; r < 4u; r++) {
        ar[r] = xr[j + r * q];
        ai[r] = xi[j + r * q];
        if (t != 0u && r != 0u) {
            twiddle(p, &ar[r], &ai[r], r * t);
        }
    }
    const float t0r = ar[0] + ar[2], t0i = ai[0] + ai[2], t1r = ar[0] - ar[2], t1i = ai[0] - ai[2];
    const float t2r = ar[1] + ar[3], t2i = ai[1] + ai[3], t3r = ar[1] - ar[3], t3i = ai[1] - ai[3];
    yr[d] = t0r + t2r;
    yi[d] = t0i + t2i;
    yr[d + ns] = t1r + t3i;
    yi[d + ns] = t1i - t3r;
    yr[d + 2u * ns] = t0r - t2r;
    yi[d + 2u * ns] = t0i - t2i;
    yr[d + 3u * ns] = t1r - t3i;
    yi[d + 3u * ns] = t1i + t3r;
}

/* Radix 4: groups of ns butterflies; element j = g + k (g a multiple of ns) writes from 4 g + k. */
static void stage_radix4(const hil_stft_plan_t *p, unsigned m, const float *xr, const float *xi, float *yr,
                         float *yi, unsigned ns)
{
    const unsigned q = m / 4u, step = p->fft_size / (4u * ns);
    for (unsigned g = 0; g < q; g += ns) {
        for (unsigned k = 0; k < ns; k++) {
            butterfly4(p, xr, xi, g + k, q, k * step, yr, yi, 4u * g + k, ns);
        }
    }
}

void hil_fft(const hil_stft_plan_t *p, float *re, float *im, float *scratch)
{
    const unsigned m = p->fft_size / 2u;
    float *src_r = re, *src_i = im, *dst_r = scratch, *dst_i = scratch + m;
    unsigned ns = 1u;
    for (unsigned s = 0; s < p->n_stages; s++) {
        const unsigned radix = p->radix[s];
        if (radix == 5u) {
            stage_radix5(m, src_r, src_i, dst_r, dst_i);
        } else if (radix == 4u) {
            stage_radix4(p, m, src_r, src_i, dst_r, dst_i, ns);
        } else {
            stage_radix2(p, m, src_r, src_i, dst_r, dst_i, ns);
        }
        ns *= radix;
        float *tr = src_r, *ti = src_i; /* ping-pong */
        src_r = dst_r;
        src_i = dst_i;
        dst_r = tr;
        dst_i = ti;
    }
    if (src_r != re) { /* an odd number of stages ends in the scratch */
        for (unsigned n = 0; n < m; n++) {
            re[n] = src_r[n];
            im[n] = src_i[n];
        }
    }
}
