/* Private to src/kernels: MEAN written once for int8 and int16
 * (hil_mean_s8 / _s16, hil/kernels_elementwise.h). */
#ifndef HIL_MEAN_IMPL_H
#define HIL_MEAN_IMPL_H

#include "hil/kernels_elementwise.h"
#include "hil/qmath_ext.h"

/* The body of hil_mean_s8 / _s16 (parameters in, out, p): T is the element
 * type, [LO, HI] its range. */
#define HIL_MEAN_REF(T, LO, HI)                                                                                \
    const int32_t *od = p->out_dims, *os = p->out_strides, *rd = p->red_dims, *rs = p->red_strides;            \
    const int32_t zp_sum = (int32_t)((uint32_t)p->input_zero_point * (uint32_t)p->count);                      \
    int32_t o = 0;                                                                                             \
    for (int32_t a0 = 0; a0 < od[0]; a0++) {                                                                   \
        for (int32_t a1 = 0; a1 < od[1]; a1++) {                                                               \
            for (int32_t a2 = 0; a2 < od[2]; a2++) {                                                           \
                for (int32_t a3 = 0; a3 < od[3]; a3++, o++) {                                                  \
                    const T *x = in + a0 * os[0] + a1 * os[1] + a2 * os[2] + a3 * os[3];                       \
                    int32_t sum = 0;                                                                           \
                    for (int32_t b0 = 0; b0 < rd[0]; b0++) {                                                   \
                        for (int32_t b1 = 0; b1 < rd[1]; b1++) {                                               \
                            for (int32_t b2 = 0; b2 < rd[2]; b2++) {                                           \
                                const T *row = x + b0 * rs[0] + b1 * rs[1] + b2 * rs[2];                       \
                                for (int32_t b3 = 0; b3 < rd[3]; b3++) {                                       \
                                    sum = hil_wadd(sum, row[b3 * rs[3]]);                                      \
                                }                                                                              \
                            }                                                                                  \
                        }                                                                                      \
                    }                                                                                          \
                    const int32_t y = hil_wadd(hil_requantize(hil_wsub(sum, zp_sum), p->multiplier, p->shift), \
                                               p->output_zero_point);                                          \
                    out[o] = (T)hil_clamp(y, LO, HI);                                                          \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
    }

#endif
