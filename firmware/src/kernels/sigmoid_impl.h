/* Private to src/kernels: what LOGISTIC and TANH share (hil_logistic_s8,
 * hil_tanh_s8, hil_logistic_s16, hil_tanh_s16; hil/kernels_elementwise.h).
 * Macros, like mac_impl.h's, so that each kernel compiles to the code it had
 * when it was written out. */
#ifndef HIL_SIGMOID_IMPL_H
#define HIL_SIGMOID_IMPL_H

#include <stdlib.h>

#include "hil/kernels_elementwise.h"
#include "hil/qmath_ext.h"

/* The body of hil_logistic_s8 / hil_tanh_s8 (parameters in, out, n, p), TFLM's
 * reference_integer_ops: inputs beyond the input range radius saturate, the
 * others go to Q4.27 and through FP (gemmlowp's fixed-point function, Q0.31
 * out), whose result is rounded to 2^-BITS steps and moved by OFFSET. */
#define HIL_SIGMOID_S8_REF(FP, BITS, OFFSET)                                                                   \
    for (int32_t i = 0; i < n; i++) {                                                                          \
        const int32_t x = (int32_t)in[i] - p->input_zero_point;                                                \
        if (x <= -p->input_range_radius) {                                                                     \
            out[i] = INT8_MIN;                                                                                 \
        } else if (x >= p->input_range_radius) {                                                               \
            out[i] = INT8_MAX;                                                                                 \
        } else {                                                                                               \
            const int32_t x_q4 = hil_requantize(x, p->input_multiplier, p->input_shift); /* Q4.27 */           \
            const int32_t y = hil_rounding_divide_by_pot(FP(x_q4, 4), 31 - (BITS)) + (OFFSET);                 \
            out[i] = (int8_t)hil_clamp(y, INT8_MIN, INT8_MAX);                                                 \
        }                                                                                                      \
    }

/* The loop of hil_logistic_s16 / hil_tanh_s16 (parameters in, out, n, p):
 * x = in[i] * multiplier rounded right by shift (multiplier 0 marks a
 * power-of-two input scale: x * 3 / 4 into the table's range), and
 * y (of type T) = hil_sigmoid_table_u16 at |x| / 2^FRAC_BITS, interpolated on
 * the low FRAC_BITS bits, or SATURATED from the last entry on; BODY sets out[i]. */
#define HIL_SIGMOID_S16_FOR_EACH(T, FRAC_BITS, SATURATED, BODY)                                                \
    do {                                                                                                       \
        int32_t multiplier = p->input_multiplier;                                                              \
        int32_t shift = p->input_shift;                                                                        \
        if (multiplier == 0) {                                                                                 \
            multiplier = 3 << shift;                                                                           \
            shift = 0;                                                                                         \
        }                                                                                                      \
        const int32_t round = shift > 0 ? 1 << (shift - 1) : 0;                                                \
        for (int32_t i = 0; i < n; i++) {                                                                      \
            const int32_t x = ((int32_t)in[i] * multiplier + round) >> shift;                                  \
            const uint32_t ax = (uint32_t)abs(x);                                                              \
            const uint32_t index = ax >> (FRAC_BITS);                                                          \
            T y;                                                                                               \
            if (index >= 255u) {                                                                               \
                y = (SATURATED);                                                                               \
            } else {                                                                                           \
                const uint32_t a = hil_sigmoid_table_u16[index];                                               \
                const uint32_t b = hil_sigmoid_table_u16[index + 1u];                                          \
                y = (T)((a << (FRAC_BITS)) + (ax & ((1u << (FRAC_BITS)) - 1u)) * (b - a));                     \
            }                                                                                                  \
            BODY;                                                                                              \
        }                                                                                                      \
    } while (0)

#endif
