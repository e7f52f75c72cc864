/* Private to src/kernels: the walk of the reductions, written once for MEAN and
 * REDUCE_MAX and for int8 and int16 (hil/kernels_elementwise.h). */
#ifndef HIL_REDUCE_IMPL_H
#define HIL_REDUCE_IMPL_H

#include "hil/kernels_elementwise.h"
#include "hil/qmath_ext.h"

/* For each output o of the walk w over `in` (row-major over out_dims): acc, an
 * int32, starts at INIT; FOLD runs for each reduced input value v; then
 * out[o] = (T)(FINISH). */
#define HIL_REDUCE_REF(T, w, INIT, FOLD, FINISH)                                                              \
    const int32_t *od = (w)->out_dims, *os = (w)->out_strides, *rd = (w)->red_dims, *rs = (w)->red_strides;    \
    int32_t o = 0;                                                                                             \
    for (int32_t a0 = 0; a0 < od[0]; a0++) {                                                                   \
        for (int32_t a1 = 0; a1 < od[1]; a1++) {                                                               \
            for (int32_t a2 = 0; a2 < od[2]; a2++) {                                                           \
                for (int32_t a3 = 0; a3 < od[3]; a3++, o++) {                                                  \
                    const T *x = in + a0 * os[0] + a1 * os[1] + a2 * os[2] + a3 * os[3];                       \
                    int32_t acc = (INIT);                                                                      \
                    for (int32_t b0 = 0; b0 < rd[0]; b0++) {                                                   \
                        for (int32_t b1 = 0; b1 < rd[1]; b1++) {                                               \
                            for (int32_t b2 = 0; b2 < rd[2]; b2++) {                                           \
                                const T *row = x + b0 * rs[0] + b1 * rs[1] + b2 * rs[2];                       \
                                for (int32_t b3 = 0; b3 < rd[3]; b3++) {                                       \
                                    const int32_t v = row[b3 * rs[3]];                                         \
                                    FOLD;                                                                      \
                                }                                                                              \
                            }                                                                                  \
                        }                                                                                      \
                    }                                                                                          \
                    out[o] = (T)(FINISH);                                                                      \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
    }

/* The body of hil_mean_s8 / _s16 (parameters in, out, p): [LO, HI] the type's range. */
#define HIL_MEAN_REF(T, LO, HI)                                                                                \
    const int32_t zp_sum = (int32_t)((uint32_t)p->input_zero_point * (uint32_t)p->count);                      \
    HIL_REDUCE_REF(T, &p->walk, 0, acc = hil_wadd(acc, v),                                                     \
                   hil_clamp(hil_wadd(hil_requantize(hil_wsub(acc, zp_sum), p->multiplier, p->shift),          \
                                      p->output_zero_point),                                                   \
                             LO, HI))

/* The body of hil_reduce_max_s8 / _s16 (parameters in, out, w): LO the type's minimum. */
#define HIL_REDUCE_MAX_REF(T, LO) HIL_REDUCE_REF(T, w, LO, acc = v > acc ? v : acc, acc)

#endif
