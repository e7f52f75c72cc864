/* More of TFLite's integer arithmetic, bit-exact with TFLM's reference
 * kernels: gemmlowp-style fixed point (tensorflow/lite/micro/kernels/internal/
 * fixedpoint.h) as used by int8 LOGISTIC, TANH and SOFTMAX, and GetReciprocal
 * (internal/common.h).
 *
 * A fixed-point value is a raw int32 with a number of integer bits IB
 * (Q(IB).(31-IB)); products of raw values are hil_sat_rounding_doubling_high_mul
 * and their integer bits add up. Plain additions wrap instead of being
 * undefined (gemmlowp leaves overflow undefined; valid inputs never overflow,
 * so the results are the same and garbage inputs stay defined). */
#ifndef HIL_QMATH_EXT_H
#define HIL_QMATH_EXT_H

#include <stdint.h>

#include "hil/qmath.h"

/* Wrapping 32-bit arithmetic (two's complement, no undefined behaviour). */
static inline int32_t hil_wadd(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static inline int32_t hil_wsub(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

static inline int32_t hil_wneg(int32_t a)
{
    return (int32_t)(0u - (uint32_t)a);
}

/* a * 2^shift for 0 <= shift <= 31, wrapping like TFLite's a * (1 << shift). */
static inline int32_t hil_wshl(int32_t a, int shift)
{
    return (int32_t)((uint32_t)a << shift);
}

/* Leading zeros of a 32-bit pattern; 32 for 0 (TFLite's CountLeadingZeros). */
static inline int hil_clz32(uint32_t x)
{
    return x == 0u ? 32 : __builtin_clz(x);
}

/* gemmlowp SaturatingRoundingMultiplyByPOT with a positive exponent
 * (1 <= exponent <= 31): a saturating left shift. */
static inline int32_t hil_fp_sat_shl(int32_t x, int exponent)
{
    const int32_t threshold = (int32_t)((1ll << (31 - exponent)) - 1);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return hil_wshl(x, exponent);
}

/* gemmlowp Rescale<dst>(FixedPoint<src>): src - dst > 0 shifts left saturating,
 * < 0 rounds right. */
static inline int32_t hil_fp_rescale(int32_t x, int src_integer_bits, int dst_integer_bits)
{
    const int exponent = src_integer_bits - dst_integer_bits;
    if (exponent > 0) {
        return hil_fp_sat_shl(x, exponent);
    }
    if (exponent < 0) {
        return hil_rounding_divide_by_pot(x, -exponent);
    }
    return x;
}

/* gemmlowp RoundingHalfSum: (a + b) / 2 rounded half away from zero. */
static inline int32_t hil_fp_rounding_half_sum(int32_t a, int32_t b)
{
    const int64_t sum = (int64_t)a + (int64_t)b;
    const int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

/* FixedPoint<int32, IB>::One(): 1 << (31 - IB), or INT32_MAX for IB = 0. */
static inline int32_t hil_fp_one(int integer_bits)
{
    return integer_bits == 0 ? INT32_MAX : (int32_t)(1 << (31 - integer_bits));
}

/* exp(a) for a Q0.31 a in [-1/4, 0): Taylor expansion around -1/8. */
static inline int32_t hil_fp_exp_on_interval_neg_quarter_to_0(int32_t a)
{
    const int32_t constant_term = 1895147668;     /* exp(-1/8) */
    const int32_t constant_1_over_3 = 715827883; /* 1/3 */
    const int32_t x = hil_wadd(a, 1 << 28);       /* a + 1/8 */
    const int32_t x2 = hil_sat_rounding_doubling_high_mul(x, x);
    const int32_t x3 = hil_sat_rounding_doubling_high_mul(x2, x);
    const int32_t x4 = hil_sat_rounding_doubling_high_mul(x2, x2);
    const int32_t x4_over_4 = hil_rounding_divide_by_pot(x4, 2);
    const int32_t poly = hil_rounding_divide_by_pot(
        hil_wadd(hil_sat_rounding_doubling_high_mul(hil_wadd(x4_over_4, x3), constant_1_over_3), x2), 1);
    return hil_wadd(constant_term, hil_sat_rounding_doubling_high_mul(constant_term, hil_wadd(x, poly)));
}

/* exp(a) as Q0.31 for a Q(IB).(31-IB) a <= 0 (gemmlowp exp_on_negative_values),
 * 0 <= integer_bits <= 30. */
static inline int32_t hil_fp_exp_on_negative_values(int32_t a, int integer_bits)
{
    static const int32_t barrel[7] = {
        1672461947, /* exp(-1/4) */
        1302514674, /* exp(-1/2) */
        790015084,  /* exp(-1) */
        290630308,  /* exp(-2) */
        39332535,   /* exp(-4) */
        720401,     /* exp(-8) */
        242,        /* exp(-16) */
    };
    const int fractional_bits = 31 - integer_bits;
    const int32_t one_quarter = (int32_t)(1 << (fractional_bits - 2));
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_quarter_minus_one_quarter = hil_wsub(a & mask, one_quarter);
    int32_t result =
        hil_fp_exp_on_interval_neg_quarter_to_0(hil_fp_rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0));
    const int32_t remainder = hil_wsub(a_mod_quarter_minus_one_quarter, a);
    for (int exponent = -2; exponent <= 4; exponent++) {
        if (integer_bits > exponent) {
            const int shift = fractional_bits + exponent;
            if ((remainder & (int32_t)(1 << shift)) != 0) {
                result = hil_sat_rounding_doubling_high_mul(result, barrel[exponent + 2]);
            }
        }
    }
    if (integer_bits > 5) {
        const int32_t clamp = -(int32_t)(1 << (36 - integer_bits)); /* -32 */
        if (a < clamp) {
            result = 0;
        }
    }
    if (a == 0) {
        result = INT32_MAX; /* one */
    }
    return result;
}

/* Three Newton-Raphson steps for 1 / (1 + a), a Q0.31 in (0, 1); returns the
 * Q2.29 estimate of 1 / half_denominator. */
static inline int32_t hil_fp_newton_reciprocal_q2(int32_t half_denominator)
{
    const int32_t constant_48_over_17 = 1515870810;      /* Q2.29 */
    const int32_t constant_neg_32_over_17 = -1010580540; /* Q2.29 */
    const int32_t one_q2 = 1 << 29;
    int32_t x = hil_wadd(constant_48_over_17, hil_sat_rounding_doubling_high_mul(half_denominator, constant_neg_32_over_17));
    for (int i = 0; i < 3; i++) {
        const int32_t half_denominator_times_x = hil_sat_rounding_doubling_high_mul(half_denominator, x);
        const int32_t one_minus = hil_wsub(one_q2, half_denominator_times_x);
        x = hil_wadd(x, hil_fp_rescale(hil_sat_rounding_doubling_high_mul(x, one_minus), 4, 2));
    }
    return x;
}

/* 1 / (1 + a) as Q0.31 for a Q0.31 a in (0, 1) (one_over_one_plus_x_for_x_in_0_1). */
static inline int32_t hil_fp_one_over_one_plus_x(int32_t a)
{
    const int32_t x = hil_fp_newton_reciprocal_q2(hil_fp_rounding_half_sum(a, INT32_MAX));
    return hil_fp_rescale(x, 1, 0); /* ExactMulByPot<-1>: Q2.29 read as Q1.30 */
}

/* (1 - a) / (1 + a) as Q0.31 for a Q0.31 a in (0, 1). */
static inline int32_t hil_fp_one_minus_x_over_one_plus_x(int32_t a)
{
    const int32_t x = hil_fp_newton_reciprocal_q2(hil_fp_rounding_half_sum(a, INT32_MAX));
    return hil_fp_rescale(hil_wsub(x, 1 << 29), 2, 0);
}

/* gemmlowp logistic(a) as Q0.31 for a Q(IB).(31-IB) a. */
static inline int32_t hil_fp_logistic(int32_t a, int integer_bits)
{
    if (a == 0) {
        return 1 << 30; /* one half */
    }
    const int32_t abs_input = a > 0 ? a : hil_wneg(a);
    const int32_t result_if_positive =
        hil_fp_one_over_one_plus_x(hil_fp_exp_on_negative_values(hil_wneg(abs_input), integer_bits));
    return a > 0 ? result_if_positive : hil_wsub(INT32_MAX, result_if_positive);
}

/* gemmlowp tanh(a) as Q0.31 for a Q(IB).(31-IB) a, IB <= 29. */
static inline int32_t hil_fp_tanh(int32_t a, int integer_bits)
{
    if (a == 0) {
        return 0;
    }
    const int32_t n = a < 0 ? a : hil_wneg(a); /* -|a| */
    /* -tanh(n) = (1 - exp(2n)) / (1 + exp(2n)); 2n is n with one more integer bit. */
    const int32_t t = hil_fp_one_minus_x_over_one_plus_x(hil_fp_exp_on_negative_values(n, integer_bits + 1));
    return a < 0 ? hil_wneg(t) : t;
}

/* TFLite GetReciprocal: 1 / x for a positive Q(x_integer_digits) x, as a Q0.31
 * scale and the number of bits it lies above one. x must be > 0. */
static inline int32_t hil_fp_reciprocal(int32_t x, int x_integer_digits, int *num_bits_over_unit)
{
    const int headroom_plus_one = hil_clz32((uint32_t)x);
    *num_bits_over_unit = x_integer_digits - headroom_plus_one;
    const int32_t shifted_sum_minus_one = (int32_t)(((uint32_t)x << headroom_plus_one) - (1u << 31));
    return hil_fp_one_over_one_plus_x(shifted_sum_minus_one);
}

#endif
