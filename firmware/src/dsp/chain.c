/* The per-hop stages of the chain around the model: analysis, features,
 * mask, synthesis. The order of every operation is the contract with
 * hil/dsp/chain.py. */
#include "hil/stft.h"

#define HOP HIL_STFT_HOP

int32_t hil_stft_round_sat(float v, int32_t lo, int32_t hi)
{
    if (!(v < (float)hi)) { /* NaN too */
        return hi;
    }
    if (!(v > (float)lo)) {
        return lo;
    }
    int32_t i = (int32_t)v;          /* toward zero */
    const float frac = v - (float)i; /* exact */
    if (frac >= 0.5f) {
        i++;
    } else if (frac <= -0.5f) {
        i--;
    }
    return i;
}

int16_t hil_stft_to_pcm(float v)
{
    return (int16_t)hil_stft_round_sat(v, -32768, 32767);
}

void hil_stft_analysis(const int16_t *prev, const int16_t *hop, float *re, float *im, float *work)
{
    float *x = work + 2u * HIL_STFT_FFT; /* may share work's second half: see hil_rfft320 */
    for (unsigned n = 0; n < HOP; n++) {
        x[n] = (float)prev[n] * hil_stft_analysis_window[n];
        x[HOP + n] = (float)hop[n] * hil_stft_analysis_window[HOP + n];
    }
    hil_rfft320(x, re, im, work);
}

void hil_stft_features(const float *re, const float *im, float inv_scale, int32_t zp, int8_t *q)
{
    for (unsigned k = 0; k < HIL_STFT_BINS; k++) {
        const float power = (re[k] * re[k] + im[k] * im[k]) + HIL_STFT_POWER_FLOOR;
        const float f = hil_ln_f32(power) * inv_scale;
        const int32_t v = hil_stft_round_sat(f, -1024, 1024) + zp; /* |zp| <= 128 cannot overflow */
        q[k] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
    }
}

void hil_stft_apply_mask(const int8_t *mask, float scale, int32_t zp, float *re, float *im)
{
    for (unsigned k = 0; k < HIL_STFT_BINS; k++) {
        const float m = (float)((int32_t)mask[k] - zp) * scale;
        re[k] = m * re[k];
        im[k] = m * im[k];
    }
}

void hil_stft_synthesis(const float *re, const float *im, float *tail, int16_t *out, float *work)
{
    float *y = work + 2u * HIL_STFT_FFT; /* may share work's second half: see hil_irfft320 */
    hil_irfft320(re, im, y, work);
    for (unsigned n = 0; n < HOP; n++) {
        out[n] = hil_stft_to_pcm(tail[n] + y[n] * hil_stft_synthesis_window[n]);
        tail[n] = y[HOP + n] * hil_stft_synthesis_window[HOP + n];
    }
}
