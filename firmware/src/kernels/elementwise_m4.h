/* Private to src/kernels: what the optimised int8 ADD, SUB and MUL
 * (add_s8_m4.c, sub_s8_m4.c, mul_s8_m4.c; ADD and SUB's rows: add_m4_impl.h)
 * share (on simd_m4.h's SMMLAR and SSAT): the requantisation
 * built on SMMLAR, and the walk of a broadcast a row at a time.
 *
 * Why one SMMLAR is hil_requantize: for a multiplier m >= 0 and a t = 2x that
 * fits int32, SMMLAR(t, m, acc) = acc + floor((2x m + 2^31) / 2^32) = acc +
 * floor((x m + 2^30) / 2^31), which is gemmlowp's rounding doubling high
 * multiply (hil_requantize_fast's comment shows it for either sign). Its
 * result h then goes through rounding_divide_by_pot(h, e), e >= 1, which is
 * floor((h + 2^(e-1) - [h < 0]) / 2^e); with acc = 2^(e-1) - [x < 0] (x < 0
 * gives h <= 0, and h = 0 gives 0 either way) that is SMMLAR's result shifted
 * right by e. A zero point z added after the shift rides along as z 2^e in
 * acc while |acc| stays below 2^30 (e <= 22). */
#ifndef HIL_ELEMENTWISE_M4_H
#define HIL_ELEMENTWISE_M4_H

#include <stdint.h>

#include "hil/kernels_elementwise.h"
#include "simd_m4.h" /* hil_smmlar */

/* x clamped to [-128, 127]. */
static inline int32_t hil_ssat8(int32_t x)
{
    return HIL_SSAT(x, 8);
}

/* 2x m / 2^31 requantised: (SMMLAR(t, m, round + sign term) >> e) for t = 2x
 * (see above); sign_mask 0 drops the sign term (e = 0). */
static inline int32_t hil_m4_requant(int32_t t, int32_t m, int32_t round, int32_t sign_mask, int32_t e)
{
    return hil_smmlar(t, m, round + ((t >> 31) & sign_mask)) >> e;
}

/* The clamp after the zero point: to int8, then to the fused activation's range. */
static inline int8_t hil_m4_clamp(int32_t y, int32_t lo, int32_t hi)
{
    y = hil_ssat8(y);
    y = y < lo ? lo : y;
    return (int8_t)(y > hi ? hi : y);
}

/* Walk bc a row at a time: ROW(p1, p2, o, n, s1, s2, ARG) gets n output
 * elements from o on, their inputs from p1 and p2 on, stepping by s1 and s2.
 * A walk of one row (tensors of one shape) is that row alone. */
#define HIL_M4_BROADCAST_ROWS(bc, in1, in2, out, ROW, ARG)                                                    \
    do {                                                                                                      \
        int8_t *o_ = (out);                                                                                   \
        const int32_t n_ = (bc)->dims[3], s1_ = (bc)->in1_strides[3], s2_ = (bc)->in2_strides[3];            \
        if ((bc)->dims[0] * (bc)->dims[1] * (bc)->dims[2] == 1) {                                             \
            ROW((in1), (in2), o_, n_, s1_, s2_, ARG);                                                         \
            break;                                                                                            \
        }                                                                                                     \
        for (int32_t i0 = 0; i0 < (bc)->dims[0]; i0++) {                                                      \
            for (int32_t i1 = 0; i1 < (bc)->dims[1]; i1++) {                                                  \
                for (int32_t i2 = 0; i2 < (bc)->dims[2]; i2++, o_ += n_) {                                    \
                    const int32_t a1_ = i0 * (bc)->in1_strides[0] + i1 * (bc)->in1_strides[1] +               \
                                        i2 * (bc)->in1_strides[2];                                            \
                    const int32_t a2_ = i0 * (bc)->in2_strides[0] + i1 * (bc)->in2_strides[1] +               \
                                        i2 * (bc)->in2_strides[2];                                            \
                    ROW((in1) + a1_, (in2) + a2_, o_, n_, s1_, s2_, ARG);                                     \
                }                                                                                             \
            }                                                                                                 \
        }                                                                                                     \
    } while (0)

/* Whether the walk's rows step through both inputs one by one (a row of one
 * element always does). */
static inline int hil_m4_rows_step_by_one(const hil_broadcast_t *bc)
{
    return bc->dims[3] == 1 || (bc->in1_strides[3] == 1 && bc->in2_strides[3] == 1);
}

#endif
