/* Private to src/kernels: the fused GRU step's element-wise ops as the M4
 * kernel runs them (hil/kernels_gru_step.h), made once per call from the
 * ops' records and bit for bit what hil_add_elem, hil_sub_elem and
 * hil_mul_elem compute for the rescales the op admits at load:
 *  - ADD/SUB: one input at least has the larger scale, rescaled by exactly
 *    1/2 (multiplier 2^30, shift 0: TFLM's Prepare makes it so); its term
 *    requant((x + offset) << 20) is then exactly (x + offset) << 19, as the
 *    product is a multiple of 2^50. The other input's shift is < 0, or it is
 *    1/2 too, which is the requantisation of (x + offset) << 21 by 2^30 with
 *    shift -1 (exact for the same reason): one hil_requant_t serves it;
 *  - every other rescale has a shift < 0: a hil_requant_t (one SMLAL);
 *  - no fused activation: outputs clamp to the int8 range. */
#ifndef HIL_GRU_STEP_IMPL_H
#define HIL_GRU_STEP_IMPL_H

#include "hil/kernels_gru_step.h"
#include "hil/qmath_ext.h"

#if defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT
#include <arm_acle.h>
#endif

typedef struct {
    hil_requant_t other; /* the rescale of (x + other_offset) << left */
    hil_requant_t out;
    int32_t half_offset, other_offset, left, out_offset;
    int32_t swap; /* 1: input 2 is the one rescaled by 1/2 */
    int32_t pad;
} hil_gru_add_t;

typedef struct {
    hil_requant_t out;
    int32_t offset1, offset2, out_offset, pad;
} hil_gru_mul_t;

typedef struct {
    hil_gru_add_t add_z, add_r, add_h, sub, add_out;
    hil_gru_mul_t mul_r, mul_z;
} hil_gru_ew_fast_t;

static inline void hil_gru_add_prepare(hil_gru_add_t *a, const hil_add_params_t *p)
{
    const int swap = !hil_gru_half(p->input1_multiplier, p->input1_shift);
    const int32_t m = swap ? p->input1_multiplier : p->input2_multiplier;
    const int32_t s = swap ? p->input1_shift : p->input2_shift;
    a->other = hil_requant_entry(m, s < 0 ? s : -1);
    a->out = hil_requant_entry(p->output_multiplier, p->output_shift);
    a->half_offset = swap ? p->input2_offset : p->input1_offset;
    a->other_offset = swap ? p->input1_offset : p->input2_offset;
    a->left = s < 0 ? 20 : 21;
    a->out_offset = p->output_offset;
    a->swap = swap;
}

static inline void hil_gru_mul_prepare(hil_gru_mul_t *a, const hil_mul_params_t *p)
{
    a->out = hil_requant_entry(p->output_multiplier, p->output_shift);
    a->offset1 = p->input1_offset, a->offset2 = p->input2_offset, a->out_offset = p->output_offset;
}

static inline void hil_gru_ew_prepare(hil_gru_ew_fast_t *f, const hil_gru_ew_t *e)
{
    hil_gru_add_prepare(&f->add_z, &e->add_z);
    hil_gru_add_prepare(&f->add_r, &e->add_r);
    hil_gru_add_prepare(&f->add_h, &e->add_h);
    hil_gru_add_prepare(&f->sub, &e->sub);
    hil_gru_add_prepare(&f->add_out, &e->add_out);
    hil_gru_mul_prepare(&f->mul_r, &e->mul_r);
    hil_gru_mul_prepare(&f->mul_z, &e->mul_z);
}

/* The output stage: requantise, add the zero point, saturate to int8 (SSAT on the M4). */
static inline int32_t hil_gru_out(int32_t raw, const hil_requant_t *rq, int32_t offset)
{
#if defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT
    return __ssat(hil_wadd(hil_requant_apply(raw, rq), offset), 8);
#else
    return hil_clamp(hil_wadd(hil_requant_apply(raw, rq), offset), INT8_MIN, INT8_MAX);
#endif
}

/* ADD (sub = 0) or SUB (sub = 1: a - b) of two int8 values. */
static inline int32_t hil_gru_add(int32_t a, int32_t b, const hil_gru_add_t *p, int sub)
{
    const int32_t half = hil_wshl((p->swap ? b : a) + p->half_offset, 19);
    const int32_t other = hil_requant_apply(hil_wshl((p->swap ? a : b) + p->other_offset, p->left), &p->other);
    const int32_t raw = !sub ? hil_wadd(half, other) : p->swap ? hil_wsub(other, half) : hil_wsub(half, other);
    return hil_gru_out(raw, &p->out, p->out_offset);
}

/* MUL of two int8 values (|product| <= 255 * 255). */
static inline int32_t hil_gru_mul(int32_t a, int32_t b, const hil_gru_mul_t *p)
{
    return hil_gru_out((a + p->offset1) * (b + p->offset2), &p->out, p->out_offset);
}

/* The optimised steps (hil/kernels_gru_step.h): the cell's six FULLY_CONNECTEDs into int8 vectors by a
 * core's FC kernel, then one pass over the units runs each one's element-wise chain in registers (the
 * ten element-wise ops of the graph with their intermediates never stored, the three activations
 * looked up). With reset_after = 0, FC_hh reads MUL(r, h) of every unit, so the pass is split around
 * it: z and r*h are written over the z_x and r_x vectors. Scratch: the six vectors (units rounded up
 * to 4 each), then the FC kernel's. */

typedef struct {
    hil_gru_ew_fast_t e;
    const int8_t *lut_z, *lut_r, *lut_h; /* indexed -128..127 */
} hil_gru_chain_t;

/* LOGISTIC or TANH (by its table) of ADD(a, b). */
static inline int32_t hil_gru_act(const int8_t *lut, int32_t a, int32_t b, const hil_gru_add_t *p)
{
    return lut[hil_gru_add(a, b, p, 0)];
}

/* h' = ADD(c, MUL(z, SUB(h, c))) with c = TANH(ADD(hx, q)). */
static inline int8_t hil_gru_update(const hil_gru_chain_t *c, int32_t z, int32_t hx, int32_t q, int32_t h)
{
    const int32_t cand = hil_gru_act(c->lut_h, hx, q, &c->e.add_h);
    return (int8_t)hil_gru_add(cand, hil_gru_mul(z, hil_gru_add(h, cand, &c->e.sub, 1), &c->e.mul_z), &c->e.add_out,
                               0);
}

/* The body of an optimised step (parameters x, h, out, scratch, g): FC(g, k, in, out, fc_scratch) runs
 * FULLY_CONNECTED k of the cell on in (in_dim values for the _X ones, units for the _H ones) by the
 * core's kernel, fc_scratch (int32_t *) its scratch. A macro, like mac_impl.h's, so that the M4's
 * compiles to the very code it did when it was written out. */
#define HIL_GRU_STEP_FAST(FC)                                                                                  \
    const int32_t n = g->units, stride = (n + 3) & ~3;                                                         \
    int8_t *v[HIL_GRU_FCS];                                                                                    \
    for (int k = 0; k < HIL_GRU_FCS; k++) {                                                                    \
        v[k] = (int8_t *)scratch + k * stride;                                                                 \
    }                                                                                                          \
    int32_t *fc_scratch = (int32_t *)(void *)((int8_t *)scratch + HIL_GRU_FCS * stride);                       \
    hil_gru_chain_t c = {.lut_z = g->ew->lut_z + 128, .lut_r = g->ew->lut_r + 128, .lut_h = g->ew->lut_h + 128}; \
    hil_gru_ew_prepare(&c.e, g->ew);                                                                           \
    for (int k = 0; k < HIL_GRU_HH; k++) {                                                                     \
        FC(g, k, (k & 1) ? h : x, v[k], fc_scratch);                                                           \
    }                                                                                                          \
    const int8_t *zx = v[HIL_GRU_ZX], *zh = v[HIL_GRU_ZH], *rx = v[HIL_GRU_RX], *rh = v[HIL_GRU_RH];           \
    const int8_t *hx = v[HIL_GRU_HX], *hh = v[HIL_GRU_HH];                                                     \
    if (g->reset_after) {                                                                                      \
        FC(g, HIL_GRU_HH, h, v[HIL_GRU_HH], fc_scratch);                                                       \
        for (int32_t i = 0; i < n; i++) {                                                                      \
            const int32_t z = hil_gru_act(c.lut_z, zx[i], zh[i], &c.e.add_z);                                  \
            const int32_t r = hil_gru_act(c.lut_r, rx[i], rh[i], &c.e.add_r);                                  \
            out[i] = hil_gru_update(&c, z, hx[i], hil_gru_mul(r, hh[i], &c.e.mul_r), h[i]);                    \
        }                                                                                                      \
        return;                                                                                                \
    }                                                                                                          \
    int8_t *zs = v[HIL_GRU_ZX], *rs = v[HIL_GRU_RX]; /* z and MUL(r, h) over z_x and r_x */                    \
    for (int32_t i = 0; i < n; i++) {                                                                          \
        zs[i] = (int8_t)hil_gru_act(c.lut_z, zx[i], zh[i], &c.e.add_z);                                        \
        rs[i] = (int8_t)hil_gru_mul(hil_gru_act(c.lut_r, rx[i], rh[i], &c.e.add_r), h[i], &c.e.mul_r);         \
    }                                                                                                          \
    FC(g, HIL_GRU_HH, rs, v[HIL_GRU_HH], fc_scratch);                                                          \
    for (int32_t i = 0; i < n; i++) {                                                                          \
        out[i] = hil_gru_update(&c, zs[i], hx[i], hh[i], h[i]);                                                \
    }

#endif
