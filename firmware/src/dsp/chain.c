/* The per-hop stages of the chain around the model: analysis, features,
 * mask, synthesis. The order of every operation is the contract with
 * hil/dsp/chain.py. */
#include <stddef.h>

#include "hil/stft.h"

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

/* history >= N/2 (hop <= N/2): the first half of the frame is always history. */
void hil_stft_analysis(const hil_stft_t *c, const int16_t *prev, const int16_t *hop, float *re, float *im,
                       float *work)
{
    const float *w = c->window->analysis;
    const unsigned n_fft = c->fft_size, half = n_fft / 2u, history = c->history;
    float *x = work + n_fft; /* may share work's second half: see hil_rfft */
    for (unsigned n = 0; n < half; n++) {
        x[n] = (float)prev[n] * w[n];
    }
    for (unsigned n = half; n < history; n++) {
        x[n] = (float)prev[n] * w[n_fft - n];
    }
    for (unsigned n = history; n < n_fft; n++) {
        x[n] = (float)hop[n - history] * w[n_fft - n];
    }
    hil_rfft(c->plan, x, re, im, work);
}

static int8_t quantize(float f, float inv_scale, int32_t zp)
{
    const int32_t v = hil_stft_round_sat(f * inv_scale, -1024, 1024) + zp; /* |zp| <= 128 cannot overflow */
    return (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
}

/* (q is int8: its stores may alias anything, so the loop bounds are read into locals first) */
static void log_power(const hil_stft_t *c, const float *re, const float *im, float inv_scale, int32_t zp, int8_t *q)
{
    const unsigned bins = c->bins;
    for (unsigned k = 0; k < bins; k++) {
        const float power = (re[k] * re[k] + im[k] * im[k]) + HIL_STFT_POWER_FLOOR;
        q[k] = quantize(hil_ln_f32(power), inv_scale, zp);
    }
}

static void power_law(const hil_stft_t *c, const float *re, const float *im, float inv_scale, int32_t zp, int8_t *q)
{
    const unsigned bins = c->bins;
    const float half_exponent = c->half_exponent;
    for (unsigned k = 0; k < bins; k++) {
        const float power = (re[k] * re[k] + im[k] * im[k]) + HIL_STFT_POWER_FLOOR;
        q[k] = quantize(hil_exp_f32(hil_ln_f32(power) * half_exponent), inv_scale, zp);
    }
}

void hil_stft_features(const hil_stft_t *c, const float *re, const float *im, float inv_scale, int32_t zp, int8_t *q)
{
    c->features(c, re, im, inv_scale, zp, q);
}

void hil_stft_apply_mask(const hil_stft_t *c, const int8_t *mask, float scale, int32_t zp, float *re, float *im)
{
    const unsigned bins = c->bins;
    for (unsigned k = 0; k < bins; k++) {
        const float m = (float)((int32_t)mask[k] - zp) * scale;
        re[k] = m * re[k];
        im[k] = m * im[k];
    }
}

/* out = tail[0..hop) + y w; the tail moves up a hop and takes the rest of y w (w mirrored past N/2: the
 * table holds n <= N/2; hop <= N/2 <= history). */
void hil_stft_synthesis(const hil_stft_t *c, const float *re, const float *im, float *tail, int16_t *out,
                        float *work)
{
    const float *w = c->window->synthesis;
    const unsigned n_fft = c->fft_size, half = n_fft / 2u, hop = c->hop, history = c->history;
    const unsigned keep = history - hop; /* tail samples that already hold earlier frames */
    float *y = work + n_fft;             /* may share work's second half: see hil_irfft */
    hil_irfft(c->plan, re, im, y, work);
    for (unsigned n = 0; n < hop; n++) {
        out[n] = hil_stft_to_pcm(tail[n] + y[n] * w[n]);
    }
    for (unsigned n = 0; n < keep; n++) {
        const unsigned m = hop + n;
        tail[n] = tail[m] + y[m] * w[m <= half ? m : n_fft - m];
    }
    for (unsigned n = keep; n < history; n++) {
        const unsigned m = hop + n; /* >= history >= N/2 */
        tail[n] = y[m] * w[n_fft - m];
    }
}

static const hil_stft_plan_t *find_plan(uint16_t fft_size)
{
    for (unsigned i = 0; i < hil_stft_n_plans; i++) {
        if (hil_stft_plans[i].fft_size == fft_size) {
            return &hil_stft_plans[i];
        }
    }
    return NULL;
}

/* The window table of (size, hop, kind); *hop_known says whether any kind has this hop. */
static const hil_stft_window_t *find_window(uint16_t fft_size, uint16_t hop, uint8_t kind, int *hop_known)
{
    *hop_known = 0;
    for (unsigned i = 0; i < hil_stft_n_windows; i++) {
        const hil_stft_window_t *w = &hil_stft_windows[i];
        if (w->fft_size == fft_size && w->hop == hop) {
            *hop_known = 1;
            if (w->kind == kind) {
                return w;
            }
        }
    }
    return NULL;
}

hil_stft_check_t hil_stft_setup(hil_stft_t *c, uint16_t fft_size, uint16_t hop, uint8_t window, uint8_t feature,
                                float exponent, uint8_t mask)
{
    int hop_known;
    c->plan = find_plan(fft_size);
    c->window = find_window(fft_size, hop, window, &hop_known);
    if (c->plan == NULL) {
        return HIL_STFT_BAD_SIZE;
    }
    if (!hop_known) {
        return HIL_STFT_BAD_HOP;
    }
    if (c->window == NULL) {
        return HIL_STFT_BAD_WINDOW;
    }
    if (feature == HIL_STFT_POWER_LAW) {
        if (!(exponent > 0.0f && exponent <= HIL_STFT_MAX_EXPONENT)) { /* NaN too */
            return HIL_STFT_BAD_EXPONENT;
        }
        c->features = power_law;
    } else if (feature == HIL_STFT_LOG_POWER) {
        if (exponent != 0.0f) {
            return HIL_STFT_BAD_EXPONENT;
        }
        c->features = log_power;
    } else {
        return HIL_STFT_BAD_FEATURE;
    }
    if (mask != HIL_STFT_MASK_GAIN) {
        return HIL_STFT_BAD_MASK;
    }
    c->fft_size = fft_size;
    c->hop = hop;
    c->bins = (uint16_t)(fft_size / 2u + 1u);
    c->history = (uint16_t)(fft_size - hop);
    c->half_exponent = exponent * 0.5f;
    return HIL_STFT_OK;
}
