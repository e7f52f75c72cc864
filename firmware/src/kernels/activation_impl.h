/* Private to src/kernels: the per-element arithmetic of PRELU and LEAKY_RELU,
 * one body for int8 and int16 (hil/kernels_activation.h). */
#ifndef HIL_ACTIVATION_IMPL_H
#define HIL_ACTIVATION_IMPL_H

#include "elementwise_impl.h"
#include "hil/kernels_activation.h"

/* PRELU of one value x (already offset) against one alpha, before the clamp. */
static inline int32_t hil_prelu_elem(int32_t x, int32_t alpha, const hil_prelu_params_t *p)
{
    const int32_t y = x >= 0 ? hil_requantize(x, p->multiplier_identity, p->shift_identity)
                             : hil_requantize(x * (alpha + p->alpha_offset), p->multiplier_alpha, p->shift_alpha);
    return hil_wadd(y, p->output_offset);
}

/* LEAKY_RELU of one raw value x, before the clamp. */
static inline int32_t hil_leaky_relu_elem(int32_t x, const hil_leaky_relu_params_t *p)
{
    const int32_t v = x - p->input_zero_point;
    if (v >= 0) {
        return hil_wadd(p->output_zero_point, hil_requantize(v, p->multiplier_identity, p->shift_identity));
    }
    const int32_t m = p->multiplier_alpha;
    const int32_t scaled = hil_requantize(v, m < 0 ? -m : m, p->shift_alpha);
    return hil_wadd(p->output_zero_point, m < 0 ? hil_wneg(scaled) : scaled);
}

/* The body of hil_leaky_relu_s8 / _s16 (parameters in, out, n, p): [LO, HI] the type's range. */
#define HIL_LEAKY_RELU_REF(T, LO, HI)                                                                          \
    for (int32_t i = 0; i < n; i++) {                                                                          \
        out[i] = (T)hil_clamp(hil_leaky_relu_elem(in[i], p), LO, HI);                                          \
    }

#endif
