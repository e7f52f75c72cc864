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

/* hil_requantize for the parameters prepare() admits (multiplier >= 0,
 * -31 <= shift <= 30), bit for bit, in about a third of the instructions;
 * the optimised kernels use it. Why it is equal:
 *  - with multiplier >= 0 the saturating case (both INT32_MIN) cannot occur,
 *    and gemmlowp's nudge-then-truncate is h = floor((x*m + 2^30) / 2^31)
 *    for either sign of x*m (for x*m < 0 the nudged sum is negative, and
 *    truncating it is flooring it + 2^31 - 1);
 *  - for e = -shift >= 1, rounding h / 2^e half away from zero is
 *    floor((h + c) / 2^e) with c = 2^(e-1) - [h < 0]; [x < 0] may stand in
 *    for [h < 0] (they differ only when h = 0, where both c give 0);
 *  - floor((floor(y) + c) / n) = floor((y + c) / n) for integers c, n > 0,
 *    so both roundings are one: floor((x*m + 2^30 + c*2^31) / 2^(31+e)),
 *    i.e. one SMLAL onto a preset (c >> 1 : 2^30 | c << 31), then the high
 *    word shifted right by e - 1. */
static inline int32_t hil_requantize_fast(int32_t x, int32_t multiplier, int32_t shift)
{
    if (shift >= 0) {
        int64_t ab = (int64_t)(int32_t)((uint32_t)x << shift) * multiplier + (1ll << 30);
        return (int32_t)(ab >> 31);
    }
    int32_t c = (int32_t)(1u << (-shift - 1)) + (x >> 31);
    int64_t preset = (int64_t)((uint64_t)(uint32_t)(c >> 1) << 32 | (0x40000000u | (uint32_t)c << 31));
    int64_t n = (int64_t)x * multiplier + preset;
    return (int32_t)(n >> 32) >> (-shift - 1);
}

/* hil_requantize_fast for one channel with shift < 0, with everything that
 * depends only on the channel precomputed (by the compiler, checked at load
 * by hil_requant_entry): with e = -shift and c = 2^(e-1) - [x < 0],
 * floor((x*m + 2^30 + c*2^31) / 2^(31+e)) is the high word of
 * x*m + preset - [x < 0] * 2^31, preset = 2^30 + 2^(e-1) * 2^31, shifted
 * right by e - 1: one SMLAL onto a loaded preset. */
typedef struct {
    int32_t multiplier;
    int32_t e1;         /* -shift - 1 */
    uint32_t preset_lo; /* preset = 2^30 + 2^(e1 + 31), as two words */
    uint32_t preset_hi;
} hil_requant_t;

static inline hil_requant_t hil_requant_entry(int32_t multiplier, int32_t shift)
{
    const int32_t e1 = -shift - 1;
    const uint64_t preset = (1ull << 30) + (1ull << (e1 + 31));
    hil_requant_t r = {multiplier, e1, (uint32_t)preset, (uint32_t)(preset >> 32)};
    return r;
}

static inline int32_t hil_requant_apply(int32_t x, const hil_requant_t *r)
{
    int64_t n = (int64_t)((uint64_t)r->preset_hi << 32 | r->preset_lo) - (x < 0 ? (1ll << 31) : 0);
    n += (int64_t)x * r->multiplier;
    return (int32_t)(n >> 32) >> r->e1;
}

/* The 64-bit form TFLite uses for 16x8 kernels (int64 accumulators). */
static inline int32_t hil_requantize_s64(int64_t x, int32_t multiplier, int32_t shift)
{
    int32_t reduced = multiplier < 0x7FFF0000 ? ((multiplier + (1 << 15)) >> 16) : 0x7FFF;
    int total_shift = 15 - shift;
    /* TFLite assumes |x| < 2^47 (no overflow); unsigned arithmetic keeps a
     * malformed model's larger x defined (wrapping) instead of undefined. */
    x = (int64_t)((uint64_t)x * (uint64_t)(int64_t)reduced + ((uint64_t)1 << (total_shift - 1)));
    return (int32_t)(x >> total_shift);
}

/* a + b wrapping, as the M4's ADD does: where TFLite's int32 sums would
 * overflow (undefined in C), a malformed model gets a defined result. */
static inline int32_t hil_add_wrap(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static inline int64_t hil_add_wrap64(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

static inline int32_t hil_clamp(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

#endif
