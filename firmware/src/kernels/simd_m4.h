/* Private to src/kernels (only the *_m4.c kernels include it): the Cortex-M4
 * SIMD (DSP extension) instructions the _m4 kernels are built from.
 *
 * On a core with the DSP extension they are the ACLE intrinsics (one
 * instruction each); elsewhere (the host simulator, the fuzzer) they are
 * plain C with the same results bit for bit, so the simulator runs exactly
 * the arithmetic the board runs. SMLAD wraps modulo 2^32 (it only sets the
 * sticky Q flag, which nothing reads), and so does the C version. */
#ifndef HIL_SIMD_M4_H
#define HIL_SIMD_M4_H

#include <stdint.h>
#include <string.h>

#include "hil/qmath.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>

/* acc + a.lo * b.lo + a.hi * b.hi (signed 16-bit halves). */
static inline int32_t hil_smlad(int32_t a, int32_t b, int32_t acc)
{
    return __smlad(a, b, acc);
}

/* Bytes 0 and 2 of x, sign-extended into the low and high halfwords. */
static inline int32_t hil_sxtb16(int32_t x)
{
    return __sxtb16(x);
}

/* Bytes 1 and 3 of x, sign-extended into the low and high halfwords. (GCC
 * 12 has no __ror and does not fold a C rotate into SXTB16's own ROR #8.) */
static inline int32_t hil_sxtb16_ror8(int32_t x)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

/* Halfword-wise a + b, each half wrapping on its own. */
static inline int32_t hil_sadd16(int32_t a, int32_t b)
{
    return __sadd16(a, b);
}

/* acc + a.lo * b.lo */
static inline int32_t hil_smlabb(int32_t a, int32_t b, int32_t acc)
{
    return __smlabb(a, b, acc);
}

/* acc + a.hi * b.hi */
static inline int32_t hil_smlatt(int32_t a, int32_t b, int32_t acc)
{
    return __smlatt(a, b, acc);
}

/* acc + a.lo * b.hi */
static inline int32_t hil_smlabt(int32_t a, int32_t b, int32_t acc)
{
    return __smlabt(a, b, acc);
}

/* acc + a.hi * b.lo */
static inline int32_t hil_smlatb(int32_t a, int32_t b, int32_t acc)
{
    return __smlatb(a, b, acc);
}

/* (a.lo, b.lo) and (b.hi, a.hi) as (low, high) halfwords (PKHBT / PKHTB; GCC 12 has neither). */
static inline int32_t hil_pkhbt(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

static inline int32_t hil_pkhtb(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

/* acc + (a * b + 2^31) / 2^32 rounded down, the high word of a 64-bit sum (SMMLAR: GCC 12
 * has neither an intrinsic nor a pattern for it). */
static inline int32_t hil_smmlar(int32_t a, int32_t b, int32_t acc)
{
    int32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}

/* x clamped to N-bit two's complement, N a constant in 1..32 (SSAT). */
#define HIL_SSAT(x, N) __ssat((x), (N))

/* Halfword-wise acc + (bytes 0 and 2 of x, sign-extended). */
static inline int32_t hil_sxtab16(int32_t acc, int32_t x)
{
    return __sxtab16(acc, x);
}

/* Halfword-wise acc + (bytes 1 and 3 of x, sign-extended). */
static inline int32_t hil_sxtab16_ror8(int32_t acc, int32_t x)
{
    int32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(x));
    return r;
}

/* Byte-wise signed max (min) of four int8 lanes: SSUB8 sets a GE flag per
 * lane where a >= b, SEL picks by them. One asm block, as nothing else may
 * touch the GE flags in between. */
static inline int32_t hil_max_s8x4(int32_t a, int32_t b)
{
    int32_t r, t;
    __asm__("ssub8 %[t], %[a], %[b]\n\tsel %[r], %[a], %[b]" : [r] "=&r"(r), [t] "=&r"(t) : [a] "r"(a), [b] "r"(b));
    return r;
}

static inline int32_t hil_min_s8x4(int32_t a, int32_t b)
{
    int32_t r, t;
    __asm__("ssub8 %[t], %[a], %[b]\n\tsel %[r], %[b], %[a]" : [r] "=&r"(r), [t] "=&r"(t) : [a] "r"(a), [b] "r"(b));
    return r;
}

#else

static inline int32_t hil_simd_lo(int32_t x)
{
    return (int16_t)(uint16_t)((uint32_t)x & 0xFFFFu);
}

static inline int32_t hil_simd_hi(int32_t x)
{
    return (int16_t)(uint16_t)((uint32_t)x >> 16);
}

static inline int32_t hil_smlad(int32_t a, int32_t b, int32_t acc)
{
    uint32_t sum = (uint32_t)acc + (uint32_t)(hil_simd_lo(a) * hil_simd_lo(b)) +
                   (uint32_t)(hil_simd_hi(a) * hil_simd_hi(b));
    return (int32_t)sum;
}

static inline int32_t hil_sxtb16(int32_t x)
{
    uint32_t lo = (uint32_t)(int32_t)(int8_t)(uint8_t)((uint32_t)x & 0xFFu) & 0xFFFFu;
    uint32_t hi = (uint32_t)(int32_t)(int8_t)(uint8_t)(((uint32_t)x >> 16) & 0xFFu) << 16;
    return (int32_t)(lo | hi);
}

static inline int32_t hil_sxtb16_ror8(int32_t x)
{
    return hil_sxtb16((int32_t)((uint32_t)x >> 8 | (uint32_t)x << 24));
}

static inline int32_t hil_sadd16(int32_t a, int32_t b)
{
    uint32_t lo = ((uint32_t)a + (uint32_t)b) & 0xFFFFu;
    uint32_t hi = (((uint32_t)a >> 16) + ((uint32_t)b >> 16)) << 16;
    return (int32_t)(lo | hi);
}

static inline int32_t hil_smlabb(int32_t a, int32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(hil_simd_lo(a) * hil_simd_lo(b)));
}

static inline int32_t hil_smlatt(int32_t a, int32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(hil_simd_hi(a) * hil_simd_hi(b)));
}

static inline int32_t hil_smlabt(int32_t a, int32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(hil_simd_lo(a) * hil_simd_hi(b)));
}

static inline int32_t hil_smlatb(int32_t a, int32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(hil_simd_hi(a) * hil_simd_lo(b)));
}

static inline int32_t hil_pkhbt(int32_t a, int32_t b)
{
    return (int32_t)(((uint32_t)a & 0xFFFFu) | (uint32_t)b << 16);
}

static inline int32_t hil_pkhtb(int32_t a, int32_t b)
{
    return (int32_t)(((uint32_t)a & 0xFFFF0000u) | ((uint32_t)b >> 16));
}

static inline int32_t hil_smmlar(int32_t a, int32_t b, int32_t acc)
{
    const uint64_t sum = ((uint64_t)(uint32_t)acc << 32) + (uint64_t)((int64_t)a * b) + 0x80000000u;
    return (int32_t)(uint32_t)(sum >> 32);
}

#define HIL_SSAT(x, N) hil_clamp((x), -(int32_t)(1u << ((N) - 1)), (int32_t)((1u << ((N) - 1)) - 1u))


static inline int32_t hil_sxtab16(int32_t acc, int32_t x)
{
    return hil_sadd16(acc, hil_sxtb16(x));
}

static inline int32_t hil_sxtab16_ror8(int32_t acc, int32_t x)
{
    return hil_sadd16(acc, hil_sxtb16_ror8(x));
}

static inline int32_t hil_max_s8x4(int32_t a, int32_t b)
{
    uint32_t r = 0;
    for (int k = 0; k < 32; k += 8) {
        const int8_t x = (int8_t)(uint8_t)((uint32_t)a >> k), y = (int8_t)(uint8_t)((uint32_t)b >> k);
        r |= (uint32_t)(uint8_t)(x >= y ? x : y) << k;
    }
    return (int32_t)r;
}

/* Per lane, {min, max} = {a, b}: the lane that is not the max is a ^ b ^ max. */
static inline int32_t hil_min_s8x4(int32_t a, int32_t b)
{
    return a ^ b ^ hil_max_s8x4(a, b);
}

#endif

/* Four int8 from any address (the M4 loads unaligned words in one LDR). */
static inline int32_t hil_read_s8x4(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* Four int8 to any address. */
static inline void hil_write_s8x4(int8_t *p, int32_t v)
{
    memcpy(p, &v, sizeof(v));
}

/* One step of four dot products that share their input: x points at input
 * already unpacked as SMLAD operands (per 4 int8: the int16 pairs (x0, x2),
 * (x1, x3), one LDRD); for r in 0..3, acc_r += x0*w_r[0] + ... + x3*w_r[3],
 * then x advances 8 bytes and every w_r 4. On the M4 one asm block of 21
 * instructions: written as intrinsics, GCC hoists the loads of an unrolled
 * loop into more registers than there are, and spills. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define HIL_DOT4X4(X, W0, W1, W2, W3, A0, A1, A2, A3)                                                          \
    do {                                                                                                       \
        int32_t xe_, xo_, w_, t_;                                                                              \
        __asm__("ldrd %[xe], %[xo], [%[x]], #8\n\t"                                                             \
                "ldr %[w], [%[w0]], #4\n\t"                                                                    \
                "sxtb16 %[t], %[w]\n\t"                                                                        \
                "smlad %[a0], %[xe], %[t], %[a0]\n\t"                                                           \
                "sxtb16 %[t], %[w], ror #8\n\t"                                                                \
                "smlad %[a0], %[xo], %[t], %[a0]\n\t"                                                           \
                "ldr %[w], [%[w1]], #4\n\t"                                                                    \
                "sxtb16 %[t], %[w]\n\t"                                                                        \
                "smlad %[a1], %[xe], %[t], %[a1]\n\t"                                                           \
                "sxtb16 %[t], %[w], ror #8\n\t"                                                                \
                "smlad %[a1], %[xo], %[t], %[a1]\n\t"                                                           \
                "ldr %[w], [%[w2]], #4\n\t"                                                                    \
                "sxtb16 %[t], %[w]\n\t"                                                                        \
                "smlad %[a2], %[xe], %[t], %[a2]\n\t"                                                           \
                "sxtb16 %[t], %[w], ror #8\n\t"                                                                \
                "smlad %[a2], %[xo], %[t], %[a2]\n\t"                                                           \
                "ldr %[w], [%[w3]], #4\n\t"                                                                    \
                "sxtb16 %[t], %[w]\n\t"                                                                        \
                "smlad %[a3], %[xe], %[t], %[a3]\n\t"                                                           \
                "sxtb16 %[t], %[w], ror #8\n\t"                                                                \
                "smlad %[a3], %[xo], %[t], %[a3]"                                                               \
                : [x] "+r"(X), [w0] "+r"(W0), [w1] "+r"(W1), [w2] "+r"(W2), [w3] "+r"(W3), [a0] "+r"(A0),          \
                  [a1] "+r"(A1), [a2] "+r"(A2), [a3] "+r"(A3), [xe] "=&r"(xe_), [xo] "=&r"(xo_), [w] "=&r"(w_),    \
                  [t] "=&r"(t_)                                                                                \
                :                                                                                              \
                : "memory");                                                                                   \
    } while (0)
#else
#define HIL_DOT4X4(X, W0, W1, W2, W3, A0, A1, A2, A3)                                                          \
    do {                                                                                                       \
        int32_t xe_ = (X)[0], xo_ = (X)[1];                                                                    \
        (X) += 2;                                                                                              \
        HIL_DOT4X4_ROW_(W0, A0);                                                                               \
        HIL_DOT4X4_ROW_(W1, A1);                                                                               \
        HIL_DOT4X4_ROW_(W2, A2);                                                                               \
        HIL_DOT4X4_ROW_(W3, A3);                                                                               \
    } while (0)
#define HIL_DOT4X4_ROW_(W, A)                                                                                  \
    do {                                                                                                       \
        int32_t wv_ = hil_read_s8x4(W);                                                                        \
        (W) += 4;                                                                                              \
        (A) = hil_smlad(xo_, hil_sxtb16_ror8(wv_), hil_smlad(xe_, hil_sxtb16(wv_), (A)));                      \
    } while (0)
#endif

/* n >= 1 times four steps of HIL_DOT4X4, as one loop: the loop counter is
 * the fourteenth register, and in asm nothing needs moving between steps. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define HIL_DOT4X4_STEP_ASM_                                                                                   \
    "ldrd %[xe], %[xo], [%[x]], #8\n\t"                                                                        \
    "ldr %[w], [%[w0]], #4\n\t"                                                                                \
    "sxtb16 %[t], %[w]\n\t"                                                                                    \
    "smlad %[a0], %[xe], %[t], %[a0]\n\t"                                                                      \
    "sxtb16 %[w], %[w], ror #8\n\t"                                                                            \
    "smlad %[a0], %[xo], %[w], %[a0]\n\t"                                                                      \
    "ldr %[w], [%[w1]], #4\n\t"                                                                                \
    "sxtb16 %[t], %[w]\n\t"                                                                                    \
    "smlad %[a1], %[xe], %[t], %[a1]\n\t"                                                                      \
    "sxtb16 %[w], %[w], ror #8\n\t"                                                                            \
    "smlad %[a1], %[xo], %[w], %[a1]\n\t"                                                                      \
    "ldr %[w], [%[w2]], #4\n\t"                                                                                \
    "sxtb16 %[t], %[w]\n\t"                                                                                    \
    "smlad %[a2], %[xe], %[t], %[a2]\n\t"                                                                      \
    "sxtb16 %[w], %[w], ror #8\n\t"                                                                            \
    "smlad %[a2], %[xo], %[w], %[a2]\n\t"                                                                      \
    "ldr %[w], [%[w3]], #4\n\t"                                                                                \
    "sxtb16 %[t], %[w]\n\t"                                                                                    \
    "smlad %[a3], %[xe], %[t], %[a3]\n\t"                                                                      \
    "sxtb16 %[w], %[w], ror #8\n\t"                                                                            \
    "smlad %[a3], %[xo], %[w], %[a3]\n\t"
#define HIL_DOT4X4_STEP4_ASM_ HIL_DOT4X4_STEP_ASM_ HIL_DOT4X4_STEP_ASM_ HIL_DOT4X4_STEP_ASM_ HIL_DOT4X4_STEP_ASM_
/* The asm BODY run n_ >= 1 times (operand [n], counted down); OUTS and INS the other output
 * and input operands, each list in parentheses. */
#define HIL_UNPAREN_(...) __VA_ARGS__
#define HIL_ASM_LOOP(BODY, OUTS, INS)                                                                          \
    __asm__ volatile("1:\n\t" BODY "subs %[n], %[n], #1\n\t"                                                  \
                     "bne 1b"                                                                                  \
                     : [n] "+r"(n_), HIL_UNPAREN_ OUTS                                                         \
                     : HIL_UNPAREN_ INS                                                                        \
                     : "cc", "memory")
#define HIL_DOT4X4_LOOP_(BODY, N, X, W0, W1, W2, W3, A0, A1, A2, A3)                                           \
    do {                                                                                                       \
        int32_t n_ = (N), xe_, xo_, w_, t_;                                                                    \
        HIL_ASM_LOOP(BODY,                                                                                     \
                     ([x] "+r"(X), [w0] "+r"(W0), [w1] "+r"(W1), [w2] "+r"(W2), [w3] "+r"(W3), [a0] "+r"(A0),  \
                      [a1] "+r"(A1), [a2] "+r"(A2), [a3] "+r"(A3), [xe] "=&r"(xe_), [xo] "=&r"(xo_),           \
                      [w] "=&r"(w_), [t] "=&r"(t_)),                                                           \
                     ());                                                                                      \
    } while (0)
#define HIL_DOT4X4_LOOP4(N, ...) HIL_DOT4X4_LOOP_(HIL_DOT4X4_STEP4_ASM_, N, __VA_ARGS__)
/* N >= 1 times sixteen steps (64 inputs): a quarter of the loop's count and branch for the same work. */
#define HIL_DOT4X4_LOOP16(N, ...)                                                                              \
    HIL_DOT4X4_LOOP_(HIL_DOT4X4_STEP4_ASM_ HIL_DOT4X4_STEP4_ASM_ HIL_DOT4X4_STEP4_ASM_ HIL_DOT4X4_STEP4_ASM_, N,  \
                     __VA_ARGS__)
#else
#define HIL_DOT4X4_LOOP4(N, X, W0, W1, W2, W3, A0, A1, A2, A3)                                                 \
    do {                                                                                                       \
        for (int32_t n_ = (N); n_ > 0; n_--) {                                                                 \
            HIL_DOT4X4(X, W0, W1, W2, W3, A0, A1, A2, A3);                                                     \
            HIL_DOT4X4(X, W0, W1, W2, W3, A0, A1, A2, A3);                                                     \
            HIL_DOT4X4(X, W0, W1, W2, W3, A0, A1, A2, A3);                                                     \
            HIL_DOT4X4(X, W0, W1, W2, W3, A0, A1, A2, A3);                                                     \
        }                                                                                                      \
    } while (0)
#define HIL_DOT4X4_LOOP16(N, X, W0, W1, W2, W3, A0, A1, A2, A3)                                                \
    HIL_DOT4X4_LOOP4(4 * (N), X, W0, W1, W2, W3, A0, A1, A2, A3)
#endif

/* Four (two) outputs y[k] = clamp(hil_requant_apply(a_k, &rq[k]) + offset,
 * lo, hi), k = 0..3 (0..1): ten instructions each when there is no fused activation (SSAT
 * does the clamp), thirteen for RELU-like ranges (hi = 127), fifteen
 * otherwise. One asm block, so that nothing is spilled between outputs;
 * volatile, because its results are stores GCC cannot see. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define HIL_RQ_ASM_(A, ENTRY, OUT, CLAMP)                                                                      \
    "ldrd %[l], %[h], [%[rq], #" ENTRY "+8]\n\t"                                                               \
    "and %[t], %[" A "], #0x80000000\n\t"                                                                      \
    "adds %[l], %[l], %[t]\n\t"                                                                                \
    "adc %[h], %[h], %[" A "], asr #31\n\t"                                                                    \
    "ldrd %[m], %[t], [%[rq], #" ENTRY "]\n\t"                                                                 \
    "smlal %[l], %[h], %[" A "], %[m]\n\t"                                                                     \
    "asr %[" A "], %[h], %[t]\n\t"                                                                             \
    "add %[" A "], %[" A "], %[off]\n\t" CLAMP(A) "strb %[" A "], [%[y], #" OUT "]\n\t"
#define HIL_CLAMP_FULL_(A) "ssat %[" A "], #8, %[" A "]\n\t"
#define HIL_CLAMP_LOW_(A) "ssat %[" A "], #8, %[" A "]\n\tcmp %[" A "], %[lo]\n\tit lt\n\tmovlt %[" A "], %[lo]\n\t"
#define HIL_CLAMP_ANY_(A)                                                                                      \
    "cmp %[" A "], %[lo]\n\tit lt\n\tmovlt %[" A "], %[lo]\n\tcmp %[" A "], %[hi]\n\tit gt\n\tmovgt %[" A "], %[hi]\n\t"
#define HIL_RQ4_ASM_(CLAMP, ...)                                                                               \
    do {                                                                                                       \
        int32_t l_, h_, m_, t_;                                                                                \
        __asm__ volatile(HIL_RQ_ASM_("a0", "0", "0", CLAMP) HIL_RQ_ASM_("a1", "16", "1", CLAMP)                        \
                    HIL_RQ_ASM_("a2", "32", "2", CLAMP) HIL_RQ_ASM_("a3", "48", "3", CLAMP)                    \
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [l] "=&r"(l_), [h] "=&r"(h_),    \
                  [m] "=&r"(m_), [t] "=&r"(t_)                                                                 \
                : [rq] "r"(rq), [y] "r"(y), [off] "r"(offset), ##__VA_ARGS__                                   \
                : "cc", "memory");                                                                             \
    } while (0)
#define HIL_RQ2_ASM_(CLAMP, ...)                                                                               \
    do {                                                                                                       \
        int32_t l_, h_, m_, t_;                                                                                \
        __asm__ volatile(HIL_RQ_ASM_("a0", "0", "0", CLAMP) HIL_RQ_ASM_("a1", "16", "1", CLAMP)               \
                : [a0] "+r"(a0), [a1] "+r"(a1), [l] "=&r"(l_), [h] "=&r"(h_), [m] "=&r"(m_), [t] "=&r"(t_)     \
                : [rq] "r"(rq), [y] "r"(y), [off] "r"(offset), ##__VA_ARGS__                                   \
                : "cc", "memory");                                                                             \
    } while (0)
#endif

/* Which clamp hil_requant4_s8 / hil_requant2_s8 use: callers pass it as a
 * constant (a specialised copy of their loop each), so that it costs nothing
 * per output. */
enum { HIL_CLAMP_S8_FULL, HIL_CLAMP_S8_LOW, HIL_CLAMP_S8_ANY };

static inline int hil_clamp_mode_s8(int32_t lo, int32_t hi)
{
    return lo == -128 && hi == 127 ? HIL_CLAMP_S8_FULL : (hi == 127 ? HIL_CLAMP_S8_LOW : HIL_CLAMP_S8_ANY);
}

__attribute__((always_inline)) static inline void hil_requant4_s8(int32_t a0, int32_t a1, int32_t a2, int32_t a3,
                                                                  const hil_requant_t *rq, int8_t *y, int32_t offset,
                                                                  int32_t lo, int32_t hi, int mode)
{
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    if (mode == HIL_CLAMP_S8_FULL) {
        HIL_RQ4_ASM_(HIL_CLAMP_FULL_);
    } else if (mode == HIL_CLAMP_S8_LOW) {
        HIL_RQ4_ASM_(HIL_CLAMP_LOW_, [lo] "r"(lo));
    } else {
        HIL_RQ4_ASM_(HIL_CLAMP_ANY_, [lo] "r"(lo), [hi] "r"(hi));
    }
#else
    (void)mode;
    const int32_t acc[4] = {a0, a1, a2, a3};
    for (int k = 0; k < 4; k++) {
        int32_t v = hil_add_wrap(hil_requant_apply(acc[k], &rq[k]), offset);
        y[k] = (int8_t)(v < lo ? lo : (v > hi ? hi : v));
    }
#endif
}

__attribute__((always_inline)) static inline void hil_requant2_s8(int32_t a0, int32_t a1, const hil_requant_t *rq,
                                                                  int8_t *y, int32_t offset, int32_t lo, int32_t hi,
                                                                  int mode)
{
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    if (mode == HIL_CLAMP_S8_FULL) {
        HIL_RQ2_ASM_(HIL_CLAMP_FULL_);
    } else if (mode == HIL_CLAMP_S8_LOW) {
        HIL_RQ2_ASM_(HIL_CLAMP_LOW_, [lo] "r"(lo));
    } else {
        HIL_RQ2_ASM_(HIL_CLAMP_ANY_, [lo] "r"(lo), [hi] "r"(hi));
    }
#else
    (void)mode;
    const int32_t acc[2] = {a0, a1};
    for (int k = 0; k < 2; k++) {
        int32_t v = hil_add_wrap(hil_requant_apply(acc[k], &rq[k]), offset);
        y[k] = (int8_t)(v < lo ? lo : (v > hi ? hi : v));
    }
#endif
}

/* One step of a 2x2 block: two weight rows against two unpacked input rows
 * stored interleaved (per 4 int8: (x0, x2), (x1, x3) of row 0, then of row
 * 1): a_rb += sum_{k<4} x_b[k] * w_r[k]; x advances 16 bytes, w0 and w1 4.
 * Each weight word is unpacked once for both inputs: 16 instructions for 16
 * MACs, against 21 when every input row is a separate pass. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define HIL_DOT2X2_STEP_ASM_                                                                                   \
    "ldrd %[x1e], %[x1o], [%[x], #8]\n\t"                                                                      \
    "ldrd %[x0e], %[x0o], [%[x]], #16\n\t"                                                                     \
    "ldr %[w], [%[w0]], #4\n\t"                                                                                \
    "sxtb16 %[t], %[w]\n\t"                                                                                    \
    "sxtb16 %[w], %[w], ror #8\n\t"                                                                            \
    "smlad %[a00], %[x0e], %[t], %[a00]\n\t"                                                                   \
    "smlad %[a00], %[x0o], %[w], %[a00]\n\t"                                                                   \
    "smlad %[a01], %[x1e], %[t], %[a01]\n\t"                                                                   \
    "smlad %[a01], %[x1o], %[w], %[a01]\n\t"                                                                   \
    "ldr %[w], [%[w1]], #4\n\t"                                                                                \
    "sxtb16 %[t], %[w]\n\t"                                                                                    \
    "sxtb16 %[w], %[w], ror #8\n\t"                                                                            \
    "smlad %[a10], %[x0e], %[t], %[a10]\n\t"                                                                   \
    "smlad %[a10], %[x0o], %[w], %[a10]\n\t"                                                                   \
    "smlad %[a11], %[x1e], %[t], %[a11]\n\t"                                                                   \
    "smlad %[a11], %[x1o], %[w], %[a11]\n\t"
#define HIL_DOT2X2_OPERANDS_(X, W0, W1, A00, A01, A10, A11)                                                    \
    [x] "+r"(X), [w0] "+r"(W0), [w1] "+r"(W1), [a00] "+r"(A00), [a01] "+r"(A01), [a10] "+r"(A10),                \
        [a11] "+r"(A11), [x0e] "=&r"(x0e_), [x0o] "=&r"(x0o_), [x1e] "=&r"(x1e_), [x1o] "=&r"(x1o_),           \
        [w] "=&r"(w_), [t] "=&r"(t_)
/* a_rb: weight row r, input row b. */
#define HIL_DOT2X2(X, W0, W1, A00, A01, A10, A11)                                                              \
    do {                                                                                                       \
        int32_t x0e_, x0o_, x1e_, x1o_, w_, t_;                                                                \
        __asm__(HIL_DOT2X2_STEP_ASM_ : HIL_DOT2X2_OPERANDS_(X, W0, W1, A00, A01, A10, A11) : : "memory");                                     \
    } while (0)
/* N >= 1 times four steps. */
#define HIL_DOT2X2_LOOP4(N, X, W0, W1, A00, A01, A10, A11)                                                     \
    do {                                                                                                       \
        int32_t n_ = (N), x0e_, x0o_, x1e_, x1o_, w_, t_;                                                      \
        __asm__("1:\n\t" HIL_DOT2X2_STEP_ASM_ HIL_DOT2X2_STEP_ASM_ HIL_DOT2X2_STEP_ASM_ HIL_DOT2X2_STEP_ASM_      \
                "subs %[n], %[n], #1\n\t"                                                                      \
                "bne 1b"                                                                                       \
                : [n] "+r"(n_), HIL_DOT2X2_OPERANDS_(X, W0, W1, A00, A01, A10, A11)                            \
                :                                                                                              \
                : "cc", "memory");                                                                             \
    } while (0)
#else
#define HIL_DOT2X2(X, W0, W1, A00, A01, A10, A11)                                                              \
    do {                                                                                                       \
        const int32_t w0v_ = hil_read_s8x4(W0), w1v_ = hil_read_s8x4(W1);                                      \
        const int32_t w0e_ = hil_sxtb16(w0v_), w0o_ = hil_sxtb16_ror8(w0v_);                                   \
        const int32_t w1e_ = hil_sxtb16(w1v_), w1o_ = hil_sxtb16_ror8(w1v_);                                   \
        (A00) = hil_smlad((X)[1], w0o_, hil_smlad((X)[0], w0e_, (A00)));                                       \
        (A01) = hil_smlad((X)[3], w0o_, hil_smlad((X)[2], w0e_, (A01)));                                       \
        (A10) = hil_smlad((X)[1], w1o_, hil_smlad((X)[0], w1e_, (A10)));                                       \
        (A11) = hil_smlad((X)[3], w1o_, hil_smlad((X)[2], w1e_, (A11)));                                       \
        (X) += 4, (W0) += 4, (W1) += 4;                                                                        \
    } while (0)
#define HIL_DOT2X2_LOOP4(N, X, W0, W1, A00, A01, A10, A11)                                                     \
    do {                                                                                                       \
        for (int32_t n_ = (N); n_ > 0; n_--) {                                                                 \
            HIL_DOT2X2(X, W0, W1, A00, A01, A10, A11);                                                         \
            HIL_DOT2X2(X, W0, W1, A00, A01, A10, A11);                                                         \
            HIL_DOT2X2(X, W0, W1, A00, A01, A10, A11);                                                         \
            HIL_DOT2X2(X, W0, W1, A00, A01, A10, A11);                                                         \
        }                                                                                                      \
    } while (0)
#endif

#endif
