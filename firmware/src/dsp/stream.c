/* Streaming state and the per-hop pipeline around the model (hil/stream.h). */
#include "hil/stream.h"

#include <string.h>

#include "hil/hal.h"
#include "hil/model.h"
#include "hil/qmath.h"
#include "hil/runtime.h"

static struct {
    int active;
    uint32_t generation; /* of the model the configuration was checked against */
    hil_stream_config_t cfg;
    hil_stft_t chain;
    int16_t prev[HIL_STFT_MAX_HISTORY]; /* the last fft_size - hop input samples: the frame's start */
    float tail[HIL_STFT_MAX_HISTORY];   /* the earlier frames' windowed samples still to come out */
    float re[HIL_STFT_MAX_BINS], im[HIL_STFT_MAX_BINS];
    float work[HIL_STFT_WORK_FLOATS];
    int8_t state[HIL_STREAM_MAX_STATE_BYTES]; /* every link's state_in, back to back */
    uint16_t state_offset[HIL_STREAM_MAX_LINKS];
} s;

static int finite_positive(float x)
{
    return x > 0.0f && x <= 3.4e38f; /* false for NaN and inf */
}

static const hil_tensor_t *int8_io(int output, unsigned pos, int32_t elements)
{
    uint8_t *data;
    const hil_tensor_t *t = hil_runtime_io(output, pos, &data);
    if (t == NULL || t->dtype != HIL_DTYPE_INT8 || (elements >= 0 && (int32_t)t->bytes != elements)) {
        return NULL;
    }
    return t;
}

static hil_stream_reason_t check_link(const hil_stream_config_t *cfg, unsigned i, uint32_t *used_inputs,
                                      uint32_t *state_bytes)
{
    const hil_stream_link_t *l = &cfg->links[i];
    const hil_tensor_t *out = int8_io(1, l->state_out, -1), *in = int8_io(0, l->state_in, -1);
    if (out == NULL || in == NULL || out->bytes != in->bytes || l->state_out == cfg->mask_output ||
        (*used_inputs & (1u << l->state_in)) != 0u) {
        return HIL_STREAM_BAD_LINK;
    }
    *used_inputs |= 1u << l->state_in;
    if (l->shift < -31 || l->shift > 30 || l->multiplier < 0 || (l->multiplier != 0 && l->multiplier < (1 << 30)) ||
        l->zp_out != out->zero_point || l->zp_in != in->zero_point) {
        return HIL_STREAM_BAD_REQUANT;
    }
    if (in->bytes > HIL_STREAM_MAX_STATE_BYTES - *state_bytes) {
        return HIL_STREAM_BAD_STATE;
    }
    s.state_offset[i] = (uint16_t)*state_bytes;
    *state_bytes += in->bytes;
    return HIL_STREAM_OK;
}

/* The exit block against the model: its exits, each exit's int8 mask of the chain's bins. */
static hil_stream_reason_t check_exits(const hil_stream_config_t *cfg)
{
    if (cfg->exit_mode == HIL_STREAM_EXIT_NONE) {
        return HIL_STREAM_OK;
    }
    if ((cfg->exit_mode != HIL_STREAM_EXIT_FIXED && cfg->exit_mode != HIL_STREAM_EXIT_CONFIDENCE) ||
        cfg->n_exits == 0u || cfg->n_exits != hil_runtime_n_exits()) {
        return HIL_STREAM_BAD_EXITS;
    }
    for (unsigned k = 0; k < cfg->n_exits; k++) {
        const hil_stream_exit_t *e = &cfg->exits[k];
        const hil_tensor_t *m = int8_io(1, e->output, s.chain.bins);
        if ((int)e->output != hil_runtime_exit_output(k) || m == NULL || !finite_positive(e->mask_scale) ||
            e->mask_zp != m->zero_point) {
            return HIL_STREAM_BAD_EXITS;
        }
    }
    return cfg->exit_mode == HIL_STREAM_EXIT_FIXED && cfg->exit >= cfg->n_exits ? HIL_STREAM_BAD_EXIT : HIL_STREAM_OK;
}

static hil_stream_reason_t check(const hil_stream_config_t *cfg)
{
    const hil_stream_chain_t *c = &cfg->chain;
    hil_stft_check_t chain = hil_stft_setup(&s.chain, c->fft_size, c->hop, c->window, c->feature, c->exponent, c->mask);
    if (chain != HIL_STFT_OK) {
        return (hil_stream_reason_t)(HIL_STREAM_BAD_FFT - HIL_STFT_BAD_SIZE + chain);
    }
    const hil_tensor_t *f = int8_io(0, cfg->feature_input, s.chain.bins);
    const hil_tensor_t *m = int8_io(1, cfg->mask_output, s.chain.bins);
    if (f == NULL) {
        return HIL_STREAM_BAD_FEATURE;
    }
    if (m == NULL) {
        return HIL_STREAM_BAD_MASK;
    }
    if (!finite_positive(cfg->feature_inv_scale) || cfg->feature_zp != f->zero_point) {
        return HIL_STREAM_BAD_FEATURE_Q;
    }
    if (!finite_positive(cfg->mask_scale) || cfg->mask_zp != m->zero_point) {
        return HIL_STREAM_BAD_MASK_Q;
    }
    if (cfg->n_links > HIL_STREAM_MAX_LINKS || hil_runtime_n_io(0) != 1u + cfg->n_links) {
        return HIL_STREAM_BAD_LINKS;
    }
    uint32_t used = 1u << cfg->feature_input, state_bytes = 0;
    for (unsigned i = 0; i < cfg->n_links; i++) {
        hil_stream_reason_t r = check_link(cfg, i, &used, &state_bytes);
        if (r != HIL_STREAM_OK) {
            return r;
        }
    }
    return check_exits(cfg);
}

hil_status_t hil_stream_begin(const hil_stream_config_t *cfg, hil_stream_reason_t *reason)
{
    s.active = 0;
    *reason = HIL_STREAM_OK;
    if (hil_runtime_n_io(0) == 0u) {
        return HIL_ERR_NO_MODEL;
    }
    if ((*reason = check(cfg)) != HIL_STREAM_OK) {
        return HIL_ERR_BAD_ARG;
    }
    hil_status_t st = hil_runtime_restart(); /* ops with a history start it afresh */
    if (st != HIL_OK) {
        return st;
    }
    s.cfg = *cfg;
    memset(s.prev, 0, sizeof(s.prev));
    memset(s.tail, 0, sizeof(s.tail));
    for (unsigned i = 0; i < cfg->n_links; i++) {
        uint8_t *data;
        const hil_tensor_t *in = hil_runtime_io(0, cfg->links[i].state_in, &data);
        memset(s.state + s.state_offset[i], (int)(int8_t)in->zero_point, in->bytes);
    }
    s.generation = hil_runtime_generation();
    s.active = 1;
    return HIL_OK;
}

void hil_stream_end(void)
{
    s.active = 0;
}

uint16_t hil_stream_hop_samples(void)
{
    return s.active ? s.chain.hop : 0u;
}

/* Copy every state into its model input (a run may have reused that memory). */
static void states_in(void)
{
    for (unsigned i = 0; i < s.cfg.n_links; i++) {
        uint8_t *data;
        const hil_tensor_t *in = hil_runtime_io(0, s.cfg.links[i].state_in, &data);
        memcpy(data, s.state + s.state_offset[i], in->bytes);
    }
}

/* state_in = sat8(zp_in + requantize(state_out - zp_out)), as hil/dsp/chain.py requantize_state, for
 * the states the exits run this hop wrote; the others are held (the state rule, hil/dsp/exits.py). */
static void states_out(uint32_t evaluated)
{
    for (unsigned i = 0; i < s.cfg.n_links; i++) {
        const hil_stream_link_t *l = &s.cfg.links[i];
        if (!hil_runtime_output_written(l->state_out, evaluated)) {
            continue;
        }
        uint8_t *data;
        const hil_tensor_t *out = hil_runtime_io(1, l->state_out, &data);
        const int8_t *q = (const int8_t *)data;
        int8_t *dst = s.state + s.state_offset[i];
        for (uint32_t k = 0; k < out->bytes; k++) {
            int32_t v = hil_requantize((int32_t)q[k] - l->zp_out, l->multiplier, l->shift) + l->zp_in;
            dst[k] = (int8_t)hil_clamp(v, -128, 127);
        }
    }
}

uint8_t hil_stream_exit_mode(void)
{
    return s.active ? s.cfg.exit_mode : HIL_STREAM_EXIT_NONE;
}

static int decisive(unsigned k)
{
    const hil_stream_exit_t *e = &s.cfg.exits[k];
    uint8_t *data;
    hil_runtime_io(1, e->output, &data);
    const int8_t *q = (const int8_t *)data;
    uint32_t sum = 0;
    for (unsigned b = 0; b < s.chain.bins; b++) {
        int32_t d = (int32_t)q[b] - e->centre;
        sum += (uint32_t)(d < 0 ? -d : d);
    }
    return sum >= e->limit;
}

/* The model stage: every op, one fixed exit's, or the policy's exits in turn.
 * Sets *taken and *evaluated (a bit mask of the exits run). */
static hil_status_t run_model(uint8_t flags, uint8_t *taken, uint32_t *evaluated)
{
    uint32_t cycles;
    if (s.cfg.exit_mode == HIL_STREAM_EXIT_NONE) {
        unsigned n = hil_runtime_n_exits();
        *taken = (uint8_t)(n ? n - 1u : 0u);
        *evaluated = 0xFFFFFFFFu;
        return hil_runtime_run(flags, &cycles);
    }
    unsigned k = s.cfg.exit_mode == HIL_STREAM_EXIT_FIXED ? s.cfg.exit : 0u;
    *evaluated = 0;
    for (;;) {
        hil_status_t st = hil_runtime_run_exit(flags, k, *evaluated, &cycles);
        if (st != HIL_OK) {
            return st;
        }
        *evaluated |= 1u << k;
        if (s.cfg.exit_mode != HIL_STREAM_EXIT_CONFIDENCE || k + 1u >= s.cfg.n_exits || decisive(k)) {
            break;
        }
        k++;
    }
    *taken = (uint8_t)k;
    return HIL_OK;
}

hil_status_t hil_stream_hop(const int16_t *in, int16_t *out, uint32_t counts[HIL_STREAM_STAGES], uint8_t *exit_taken)
{
    if (!s.active || s.generation != hil_runtime_generation()) {
        s.active = 0;
        return HIL_ERR_STATE;
    }
    uint8_t *feat, *mask;
    hil_runtime_io(0, s.cfg.feature_input, &feat);
    uint32_t t0 = hal_cycles();
    hil_stft_analysis(&s.chain, s.prev, in, s.re, s.im, s.work);
    uint32_t t1 = hal_cycles();
    hil_stft_features(&s.chain, s.re, s.im, s.cfg.feature_inv_scale, s.cfg.feature_zp, (int8_t *)feat);
    uint32_t t2 = hal_cycles();
    states_in();
    uint32_t evaluated;
    hil_status_t st = run_model(s.cfg.flags & HIL_STREAM_FLAG_REFERENCE ? HIL_INVOKE_REFERENCE : 0u, exit_taken,
                                &evaluated);
    if (st != HIL_OK) {
        s.active = 0;
        return st;
    }
    states_out(evaluated);
    float mask_scale = s.cfg.mask_scale;
    int32_t mask_zp = s.cfg.mask_zp;
    if (s.cfg.exit_mode == HIL_STREAM_EXIT_NONE) {
        hil_runtime_io(1, s.cfg.mask_output, &mask);
    } else {
        const hil_stream_exit_t *e = &s.cfg.exits[*exit_taken];
        hil_runtime_io(1, e->output, &mask);
        mask_scale = e->mask_scale;
        mask_zp = e->mask_zp;
    }
    uint32_t t3 = hal_cycles();
    hil_stft_apply_mask(&s.chain, (const int8_t *)mask, mask_scale, mask_zp, s.re, s.im);
    uint32_t t4 = hal_cycles();
    hil_stft_synthesis(&s.chain, s.re, s.im, s.tail, out, s.work);
    const unsigned hop = s.chain.hop, keep = s.chain.history - hop;
    memmove(s.prev, s.prev + hop, keep * sizeof(s.prev[0]));
    memcpy(s.prev + keep, in, hop * sizeof(s.prev[0]));
    uint32_t t5 = hal_cycles();
    counts[0] = t1 - t0;
    counts[1] = t2 - t1;
    counts[2] = t3 - t2;
    counts[3] = t4 - t3;
    counts[4] = t5 - t4;
    return HIL_OK;
}
