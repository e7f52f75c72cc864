/* Private to src/kernels: the paths of hil_depthwise_conv_s8_m4 (kernels.h). */
#ifndef HIL_DEPTHWISE_M4_H
#define HIL_DEPTHWISE_M4_H

#include <stddef.h>

#include "hil/kernels.h"
#include "simd_m4.h"

/* The 3-wide, stride-1, depth-multiplier-1 path (depthwise_conv_s8_m4_k3.c), a channel at a time
 * from padded int16 planes in scratch: 0, having written nothing, when it does not apply (no
 * scratch or requant table, another shape, a bias or shift its arithmetic cannot take). */
int hil_depthwise_k3_s8_m4(const int8_t *input, const int8_t *weights, const int32_t *bias, int8_t *output,
                           int16_t *scratch, const hil_conv_geom_t *g, const hil_act_quant_t *q,
                           const hil_requant_t *rq);

/* A run of rows of one phase: pairs a row, bytes from a row's end to the next in the plane and
 * the output, rows (counted down by the asm). */
typedef struct {
    int32_t pairs, skip, yskip, rows;
} hil_dw_run_t;

/* One channel of that path, as its asm reads it (offsets below). */
typedef struct {
    int32_t bias2, m, c, e, next;    /* 2 * bias; the SMMLAR requantisation; output stride of a dilation */
    hil_dw_run_t run;                /* the phase being run */
    int32_t w[2 * HIL_DW_M4_MAX_KH]; /* per kernel row: (2 w0, 2 w1), (2 w1, 2 w2) */
} hil_dw_chan_t;
typedef char hil_dw_chan_layout_ok[offsetof(hil_dw_chan_t, run) == 20 && offsetof(hil_dw_chan_t, w) == 36 ? 1 : -1];

/* Four channels' int16 planes in scratch, each of rows rows of dil_w phase rows of len: phase
 * row position i holds the first tap of output x = phase + i dil_w (its taps at i, i + 1, i + 2),
 * the raw input, or -input_offset where the tap leaves the image (which TFLM skips); the bias
 * takes input_offset * sum(w). */
typedef struct {
    const hil_conv_geom_t *g;
    int32_t rows, len, row, plane; /* plane rows, phase length, row and plane in int16s */
} hil_dw_planes_t;

/* Channels [c0, c0 + n) of one image (n <= 4) into the planes at dst (only the positions inside
 * the image: the padding is filled once a call). */
void hil_dw_copy_planes(const int8_t *image, int32_t c0, int32_t n, const hil_dw_planes_t *p, int16_t *dst);

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* ch->run.rows >= 1 rows of ch->run.pairs >= 1 output pairs (x, x + dil) of one channel, full
 * int8 range, kernel rows r0, r1, r2 (each advanced a pair at a time): written as C, GCC keeps
 * the channel in memory and reloads it around every pair (about 60 instructions a pair,
 * against 34 here). Thirteen registers, so that GCC can always find them. */
#define HIL_DW_ROW_ASM_(R, W, ACC0)                                                                            \
    "ldrd %[A], %[B], [%[" R "]], #4\n\t"                                                                      \
    "ldrd %[W0], %[W1], [%[ch], #" W "]\n\t"                                                                   \
    "smlad %[a0], %[A], %[W0], %[" ACC0 "]\n\t"                                                                \
    "smlabt %[a0], %[B], %[W1], %[a0]\n\t"                                                                     \
    "smlatb %[a1], %[A], %[W0], %[a1]\n\t"                                                                     \
    "smlad %[a1], %[B], %[W1], %[a1]\n\t"
/* Requantise A with m, c, e in W0, W1, A (B a temporary). */
#define HIL_DW_RQ_ASM_(A)                                                                                      \
    "add %[B], %[W1], %[" A "], asr #31\n\t"                                                                   \
    "smmlar %[" A "], %[" A "], %[W0], %[B]\n\t"                                                               \
    "asr %[" A "], %[" A "], %[A]\n\t"                                                                         \
    "ssat %[" A "], #8, %[" A "]\n\t"
#define HIL_DW_NEXT_ROW_(R) "add %[" R "], %[" R "], %[A]\n\t"
#define HIL_DW_RUN(CH, R0, R1, R2, Y)                                                                          \
    do {                                                                                                       \
        int32_t n_, a0_, a1_, A_, B_, w0_, w1_;                                                                \
        __asm__ volatile("2:\n\t"                                                                              \
                         "ldr %[n], [%[ch], #20]\n\t"                                                          \
                         "1:\n\t"                                                                              \
                         "ldr %[a1], [%[ch]]\n\t" /* the first row starts both sums from the bias */           \
                         HIL_DW_ROW_ASM_("r0", "36", "a1") HIL_DW_ROW_ASM_("r1", "44", "a0")                   \
                         HIL_DW_ROW_ASM_("r2", "52", "a0") "ldrd %[W0], %[W1], [%[ch], #4]\n\t"                \
                         "ldr %[A], [%[ch], #12]\n\t" HIL_DW_RQ_ASM_("a0") "strb %[a0], [%[y]]\n\t"            \
                         HIL_DW_RQ_ASM_("a1") "strb %[a1], [%[y], %[nx]]\n\t"                                  \
                         "add %[y], %[y], %[nx], lsl #1\n\t"                                                   \
                         "subs %[n], %[n], #1\n\t"                                                             \
                         "bne 1b\n\t"                                                                          \
                         "ldrd %[A], %[B], [%[ch], #24]\n\t" HIL_DW_NEXT_ROW_("r0") HIL_DW_NEXT_ROW_("r1")     \
                         HIL_DW_NEXT_ROW_("r2") "add %[y], %[y], %[B]\n\t"                                     \
                         "ldr %[A], [%[ch], #32]\n\t"                                                          \
                         "subs %[A], %[A], #1\n\t"                                                             \
                         "str %[A], [%[ch], #32]\n\t"                                                          \
                         "bne 2b"                                                                              \
                         : [n] "=&r"(n_), [r0] "+r"(R0), [r1] "+r"(R1), [r2] "+r"(R2), [y] "+r"(Y),            \
                           [a0] "=&r"(a0_), [a1] "=&r"(a1_), [A] "=&r"(A_), [B] "=&r"(B_), [W0] "=&r"(w0_),    \
                           [W1] "=&r"(w1_)                                                                     \
                         : [ch] "r"(CH), [nx] "r"((CH)->next)                                                  \
                         : "cc", "memory");                                                                    \
    } while (0)

/* N >= 1 output pairs of one row of a 1-high kernel: its weights, shift and stride in registers
 * (20 instructions a pair; thirteen registers). */
#define HIL_DW_RQ1_ASM_(A)                                                                                     \
    "add %[T], %[B], %[" A "], asr #31\n\t"                                                                    \
    "smmlar %[" A "], %[" A "], %[A], %[T]\n\t"                                                                \
    "asr %[" A "], %[" A "], %[e]\n\t"                                                                         \
    "ssat %[" A "], #8, %[" A "]\n\t"
#define HIL_DW_ROW1(N, CH, R0, Y)                                                                              \
    do {                                                                                                       \
        int32_t n_ = (N), a0_, a1_, A_, B_, T_;                                                                \
        HIL_ASM_LOOP("ldrd %[A], %[B], [%[r0]], #4\n\t"                                                         \
                     "ldr %[a1], [%[ch]]\n\t"                                                                   \
                     "smlad %[a0], %[A], %[W0], %[a1]\n\t"                                                      \
                     "smlabt %[a0], %[B], %[W1], %[a0]\n\t"                                                     \
                     "smlatb %[a1], %[A], %[W0], %[a1]\n\t"                                                     \
                     "smlad %[a1], %[B], %[W1], %[a1]\n\t"                                                      \
                     "ldrd %[A], %[B], [%[ch], #4]\n\t" HIL_DW_RQ1_ASM_("a0") "strb %[a0], [%[y]]\n\t"         \
                     HIL_DW_RQ1_ASM_("a1") "strb %[a1], [%[y], %[nx]]\n\t"                                     \
                     "add %[y], %[y], %[nx], lsl #1\n\t",                                                      \
                     ([r0] "+r"(R0), [y] "+r"(Y), [a0] "=&r"(a0_), [a1] "=&r"(a1_), [A] "=&r"(A_), [B] "=&r"(B_), \
                      [T] "=&r"(T_)),                                                                          \
                     ([ch] "r"(CH), [W0] "r"((CH)->w[0]), [W1] "r"((CH)->w[1]), [e] "r"((CH)->e),              \
                      [nx] "r"((CH)->next)));                                                                  \
    } while (0)
#endif

#endif
