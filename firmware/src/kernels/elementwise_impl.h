/* Private to src/kernels: the per-element arithmetic of the binary kernels and
 * the broadcast walk they share (see hil/kernels_elementwise.h). */
#ifndef HIL_ELEMENTWISE_IMPL_H
#define HIL_ELEMENTWISE_IMPL_H

#include "hil/kernels_elementwise.h"
#include "hil/qmath_ext.h"

/* One input of ADD/SUB: (x + offset) << left_shift, times a multiplier < 1. */
static inline int32_t hil_add_scale_input(int32_t x, int32_t offset, int32_t left_shift, int32_t multiplier,
                                          int32_t shift)
{
    return hil_requantize(hil_wshl(x + offset, left_shift), multiplier, shift);
}

/* The ADD/SUB output stage: requantise the raw sum, add the zero point, clamp. */
static inline int32_t hil_add_output(int32_t raw, const hil_add_params_t *p)
{
    const int32_t y = hil_wadd(hil_requantize(raw, p->output_multiplier, p->output_shift), p->output_offset);
    return hil_clamp(y, p->act_min, p->act_max);
}

static inline int32_t hil_add_elem(int32_t x1, int32_t x2, const hil_add_params_t *p)
{
    const int32_t a = hil_add_scale_input(x1, p->input1_offset, p->left_shift, p->input1_multiplier, p->input1_shift);
    const int32_t b = hil_add_scale_input(x2, p->input2_offset, p->left_shift, p->input2_multiplier, p->input2_shift);
    return hil_add_output(hil_wadd(a, b), p);
}

static inline int32_t hil_sub_elem(int32_t x1, int32_t x2, const hil_add_params_t *p)
{
    const int32_t a = hil_add_scale_input(x1, p->input1_offset, p->left_shift, p->input1_multiplier, p->input1_shift);
    const int32_t b = hil_add_scale_input(x2, p->input2_offset, p->left_shift, p->input2_multiplier, p->input2_shift);
    return hil_add_output(hil_wsub(a, b), p);
}

static inline int32_t hil_mul_elem(int32_t x1, int32_t x2, const hil_mul_params_t *p)
{
    const int32_t product = (int32_t)((uint32_t)(x1 + p->input1_offset) * (uint32_t)(x2 + p->input2_offset));
    const int32_t y = hil_wadd(p->output_offset, hil_requantize(product, p->output_multiplier, p->output_shift));
    return hil_clamp(y, p->act_min, p->act_max);
}

/* Walk the broadcast: for each output element, BODY runs with a1, a2 (element
 * indices into the inputs) and o (the output index). */
#define HIL_BROADCAST_FOR_EACH(bc, BODY)                                                                      \
    do {                                                                                                      \
        int32_t o = 0;                                                                                        \
        for (int32_t i0 = 0; i0 < (bc)->dims[0]; i0++) {                                                      \
            for (int32_t i1 = 0; i1 < (bc)->dims[1]; i1++) {                                                  \
                for (int32_t i2 = 0; i2 < (bc)->dims[2]; i2++) {                                              \
                    int32_t a1 = i0 * (bc)->in1_strides[0] + i1 * (bc)->in1_strides[1] +                      \
                                 i2 * (bc)->in1_strides[2];                                                   \
                    int32_t a2 = i0 * (bc)->in2_strides[0] + i1 * (bc)->in2_strides[1] +                      \
                                 i2 * (bc)->in2_strides[2];                                                   \
                    for (int32_t i3 = 0; i3 < (bc)->dims[3]; i3++, o++) {                                     \
                        BODY;                                                                                 \
                        a1 += (bc)->in1_strides[3];                                                           \
                        a2 += (bc)->in2_strides[3];                                                           \
                    }                                                                                         \
                }                                                                                             \
            }                                                                                                 \
        }                                                                                                     \
    } while (0)

#endif
