/* Private to src/kernels: the rows of the optimised int8 ADD and SUB
 * (hil_add_s8_m4, hil_sub_s8_m4; the arithmetic: elementwise_m4.h). An A is
 * an input TFLM scales by exactly 1/2, twice its scaled value (x << 20) + k;
 * a B is the other, twice its scaled value 2 B(x) by one SMMLAR and a shift.
 * Twice the raw sum (difference) of input 1 and input 2 is then requantised
 * by one more SMMLAR. */
#ifndef HIL_ADD_M4_IMPL_H
#define HIL_ADD_M4_IMPL_H

#include "elementwise_impl.h"
#include "elementwise_m4.h"

/* One row of an ADD or SUB kernel. */
typedef void (*hil_add_row_t)(const int8_t *p1, const int8_t *p2, int8_t *o, int32_t n, int32_t s1, int32_t s2,
                              const hil_add_m4_t *f);

/* How the row loops combine u = 2 A and v = 2 B into twice the raw result. */
enum { HIL_M4_A_PLUS_B, HIL_M4_A_MINUS_B, HIL_M4_B_MINUS_A };

static inline int32_t hil_m4_combine(int32_t u, int32_t v, int how)
{
    return how == HIL_M4_A_PLUS_B ? u + v : (how == HIL_M4_A_MINUS_B ? u - v : v - u);
}

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* The loop of a contiguous row without a fused clamp, n >= 1, in the 16
 * instructions the C below compiles to, less the two values GCC spills
 * (twelve live numbers and two temporaries: every register). */
#define HIL_M4_ADD_LOOP_ASM_(COMBINE)                                                                          \
    __asm__ volatile("1:\n\t"                                                                                  \
                     "ldrsb %[t], [%[pb]], #1\n\t"                                                             \
                     "add %[t], %[t], %[offb]\n\t"                                                             \
                     "lsl %[t], %[t], #21\n\t"                                                                 \
                     "add %[u], %[rb], %[t], asr #31\n\t"                                                      \
                     "smmlar %[t], %[t], %[mb], %[u]\n\t"                                                      \
                     "asr %[t], %[t], %[eb]\n\t"                                                               \
                     "ldrsb %[u], [%[pa]], #1\n\t"                                                             \
                     "add %[u], %[ka], %[u], lsl #20\n\t" COMBINE "\n\t"                                       \
                     "add %[t], %[ro], %[u], asr #31\n\t"                                                      \
                     "smmlar %[u], %[u], %[mo], %[t]\n\t"                                                      \
                     "asr %[u], %[u], %[eo]\n\t"                                                               \
                     "ssat %[u], #8, %[u]\n\t"                                                                 \
                     "strb %[u], [%[o]], #1\n\t"                                                               \
                     "cmp %[o], %[end]\n\t"                                                                    \
                     "bne 1b"                                                                                  \
                     : [pa] "+r"(pa), [pb] "+r"(pb), [o] "+r"(o), [t] "=&r"(t), [u] "=&r"(u)                   \
                     : [end] "r"(end), [ka] "r"(ka), [offb] "r"(offb), [mb] "r"(mb), [rb] "r"(rb),             \
                       [eb] "r"(eb), [mo] "r"(mo), [ro] "r"(ro), [eo] "r"(eo)                                  \
                     : "cc", "memory")

__attribute__((always_inline)) static inline void hil_m4_add_loop(const int8_t *pa, const int8_t *pb, int8_t *o,
                                                                  int32_t n, const hil_add_m4_t *f, int how)
{
    int8_t *const end = o + n;
    const int32_t ka = f->k_a, offb = f->offset_b, mb = f->multiplier_b, rb = f->round_b, eb = f->exponent_b;
    const int32_t mo = f->out_multiplier, ro = f->out_round, eo = f->out_exponent;
    int32_t t, u;
    if (how == HIL_M4_A_PLUS_B) {
        HIL_M4_ADD_LOOP_ASM_("add %[u], %[u], %[t], lsl #1");
    } else if (how == HIL_M4_A_MINUS_B) {
        HIL_M4_ADD_LOOP_ASM_("sub %[u], %[u], %[t], lsl #1");
    } else {
        HIL_M4_ADD_LOOP_ASM_("rsb %[u], %[u], %[t], lsl #1");
    }
}
#define HIL_M4_ADD_LOOP_IS_ASM 1
#else
#define HIL_M4_ADD_LOOP_IS_ASM 0
#define hil_m4_add_loop(pa, pb, o, n, f, how) ((void)0)
#endif

/* A row whose inputs both step by one: u = 2 A from input SWAP + 1, v = 2 B
 * (BOTH: the other A's 2 A) from the other, combined HOW; FULL: no clamp
 * beyond int8. */
#define HIL_ADD_ROW_M4(name, SWAP, BOTH, HOW, FULL)                                                            \
    static void name(const int8_t *p1, const int8_t *p2, int8_t *o, int32_t n, int32_t s1, int32_t s2,         \
                     const hil_add_m4_t *f)                                                                    \
    {                                                                                                          \
        const int8_t *pa = (SWAP) ? p2 : p1, *pb = (SWAP) ? p1 : p2;                                           \
        (void)s1;                                                                                              \
        (void)s2;                                                                                              \
        if (HIL_M4_ADD_LOOP_IS_ASM && (FULL) && !(BOTH)) {                                                     \
            hil_m4_add_loop(pa, pb, o, n, f, HOW);                                                             \
            return;                                                                                            \
        }                                                                                                      \
        const int8_t *const end = pb + n;                                                                      \
        const int32_t ka = f->k_a, kb = f->k_b, offb = f->offset_b, mb = f->multiplier_b, rb = f->round_b;     \
        const int32_t eb = f->exponent_b, mo = f->out_multiplier, ro = f->out_round, eo = f->out_exponent;     \
        const int32_t lo = f->p->act_min, hi = f->p->act_max;                                                  \
        while (pb != end) {                                                                                    \
            const int32_t xb = *pb++;                                                                          \
            const int32_t v = (BOTH) ? (int32_t)((uint32_t)xb << 20) + kb                                      \
                                     : 2 * hil_m4_requant((int32_t)((uint32_t)(xb + offb) << 21), mb, rb, -1, eb); \
            const int32_t u = (int32_t)((uint32_t)*pa++ << 20) + ka;                                           \
            const int32_t y = hil_m4_requant(hil_m4_combine(u, v, HOW), mo, ro, -1, eo);                       \
            *o++ = (FULL) ? (int8_t)hil_ssat8(y) : hil_m4_clamp(y, lo, hi);                                    \
        }                                                                                                      \
    }

/* The rows of one kernel, [mode][full] (hil_add_m4_t), the row along which
 * one input stays put (SUB: 1 for a difference), and the row for any other
 * steps (the record's own arithmetic). */
#define HIL_ADD_ROWS_M4(HOW_AB, HOW_BA, HOW_AA, SUB, SLOW)                                                     \
    HIL_ADD_ROW_M4(row_ab, 0, 0, HOW_AB, 0)                                                                    \
    HIL_ADD_ROW_M4(row_ab_full, 0, 0, HOW_AB, 1)                                                               \
    HIL_ADD_ROW_M4(row_ba, 1, 0, HOW_BA, 0)                                                                    \
    HIL_ADD_ROW_M4(row_ba_full, 1, 0, HOW_BA, 1)                                                               \
    HIL_ADD_ROW_M4(row_aa, 0, 1, HOW_AA, 0)                                                                    \
    HIL_ADD_ROW_M4(row_aa_full, 0, 1, HOW_AA, 1)                                                               \
    static void row_held(const int8_t *p1, const int8_t *p2, int8_t *o, int32_t n, int32_t s1, int32_t s2,    \
                         const hil_add_m4_t *f)                                                                \
    {                                                                                                          \
        hil_add_row_held_m4(p1, p2, o, n, s1, s2, f, SUB);                                                     \
    }                                                                                                          \
    static void row_strided(const int8_t *p1, const int8_t *p2, int8_t *o, int32_t n, int32_t s1, int32_t s2, \
                            const hil_add_m4_t *f)                                                             \
    {                                                                                                          \
        for (int32_t k = 0; k < n; k++, p1 += s1, p2 += s2) {                                                  \
            o[k] = (int8_t)SLOW(*p1, *p2, f->p);                                                               \
        }                                                                                                      \
    }                                                                                                          \
    static const hil_add_row_t rows[3][2] = {{row_ab, row_ab_full}, {row_ba, row_ba_full}, {row_aa, row_aa_full}};

/* The body of hil_add_s8_m4 / hil_sub_s8_m4 (parameters in1, in2, out, bc, f). */
#define HIL_ADD_KERNEL_M4                                                                                      \
    const int32_t s1 = bc->in1_strides[3], s2 = bc->in2_strides[3];                                            \
    const hil_add_row_t row = hil_m4_rows_step_by_one(bc)                          ? rows[f->mode][f->full]    \
                              : (s1 == 0 && s2 == 1) || (s1 == 1 && s2 == 0) ? row_held                         \
                                                                             : row_strided;                    \
    HIL_M4_BROADCAST_ROWS(bc, in1, in2, out, row, f)


/* Twice input j's (0, 1) scaled value: an A's (x << 20) + k, a B's 2 B(x). */
static inline int32_t hil_m4_twice(int32_t x, int j, const hil_add_m4_t *f)
{
    if (f->mode != 2 && j != f->mode) {
        return 2 * hil_m4_requant((int32_t)((uint32_t)(x + f->offset_b) << 21), f->multiplier_b, f->round_b, -1,
                                  f->exponent_b);
    }
    return (int32_t)((uint32_t)x << 20) + (f->mode == 2 && j ? f->k_b : f->k_a);
}

/* A row along which one input stays put (a scalar, or a column, broadcast):
 * its term is worked out once, and twice the raw result is k + sign g(x) of
 * the input that moves, g its A or B form. SUB: 1 for a difference. */
static inline void hil_add_row_held_m4(const int8_t *p1, const int8_t *p2, int8_t *o, int32_t n, int32_t s1,
                                       int32_t s2, const hil_add_m4_t *f, int32_t sub)
{
    const int moving = s1 == 0;
    const int32_t step = moving ? s2 : s1, held = hil_m4_twice(moving ? *p1 : *p2, !moving, f);
    const int32_t sign = moving && sub ? -1 : 1, k = moving || !sub ? held : -held;
    const int8_t *pm = moving ? p2 : p1, *const end = pm + n * step;
    const int32_t mo = f->out_multiplier, ro = f->out_round, eo = f->out_exponent;
    const int32_t lo = f->p->act_min, hi = f->p->act_max;
    if (f->mode != 2 && moving != f->mode) { /* B moves */
        const int32_t offb = f->offset_b, mb = f->multiplier_b, rb = f->round_b, eb = f->exponent_b;
        for (; pm != end; pm += step) {
            const int32_t v = 2 * hil_m4_requant((int32_t)((uint32_t)(*pm + offb) << 21), mb, rb, -1, eb);
            *o++ = hil_m4_clamp(hil_m4_requant(k + sign * v, mo, ro, -1, eo), lo, hi);
        }
        return;
    }
    const int32_t ka = k + sign * (f->mode == 2 && moving ? f->k_b : f->k_a); /* an A moves */
    for (; pm != end; pm += step) {
        *o++ = hil_m4_clamp(hil_m4_requant(ka + sign * (int32_t)((uint32_t)*pm << 20), mo, ro, -1, eo), lo, hi);
    }
}

#endif
