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

#endif
