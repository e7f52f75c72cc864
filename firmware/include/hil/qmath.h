/* TFLite's integer arithmetic (tensorflow/lite/kernels/internal/common.h and
 * gemmlowp fixed point), bit-exact: saturating rounding doubling high multiply,
 * rounding divide by a power of two, and the requantisation built on them
 * (double rounding, TFLM's default build). */
#ifndef HIL_QMATH_H
#define HIL_QMATH_H

#include <stdint.h>

static inline int32_t hil_sat_rounding_doubling_high_mul(int32_t a, int32_t b)
{
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    int64_t ab = (int64_t)a * (int64_t)b;
    int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / (1ll << 31));
}

/* Round-half-away-from-zero division by 2^exponent, 0 <= exponent <= 31. */
static inline int32_t hil_rounding_divide_by_pot(int32_t x, int exponent)
{
    const int32_t mask = (int32_t)((1ll << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * multiplier * 2^shift with multiplier a Q31 in [2^30, 2^31) (or 0);
 * shift > 0 shifts left first, shift < 0 rounds right after. */
static inline int32_t hil_requantize(int32_t x, int32_t multiplier, int32_t shift)
{
    int32_t left = shift > 0 ? shift : 0;
    int32_t right = shift > 0 ? 0 : -shift;
    return hil_rounding_divide_by_pot(hil_sat_rounding_doubling_high_mul((int32_t)((uint32_t)x << left), multiplier),
                                      right);
}

/* The 64-bit form TFLite uses for 16x8 kernels (int64 accumulators). */
static inline int32_t hil_requantize_s64(int64_t x, int32_t multiplier, int32_t shift)
{
    int32_t reduced = multiplier < 0x7FFF0000 ? ((multiplier + (1 << 15)) >> 16) : 0x7FFF;
    int total_shift = 15 - shift;
    x = x * (int64_t)reduced + ((int64_t)1 << (total_shift - 1));
    return (int32_t)(x >> total_shift);
}

static inline int32_t hil_clamp(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

#endif
