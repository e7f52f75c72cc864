/* Private to src/kernels: the inner loops of the M4 MP-GRU kernel at 2..7
 * bits (mp_gru_dot_m4.h explains the arithmetic), one asm block each: written
 * as C, GCC hoists every row's words ahead of their use and spills (about a
 * fifth more instructions). Each runs N >= 1 steps of 16 values; a step reads
 * every row's next 16 values (whole groups) and 8 words of laid-out input.
 * Rows at 2, 3, 4 bits go two at a time (the word of one group serves four
 * or eight pairs), at 5, 6, 7 bits three at a time (two input pairs a
 * word), or one at a time for the rows left over. K holds the sign flip of the group's first word; M the pair mask. */
#ifndef HIL_MP_GRU_ASM_M4_H
#define HIL_MP_GRU_ASM_M4_H

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP

/* Two rows: load and flip both rows' word (post-increment LD). */
#define HIL_MP_W2_(LD)                                                                                         \
    "ldr %[w0], [%[r0]], #" LD "\n\t"                                                                          \
    "eor %[w0], %[w0], %[k]\n\t"                                                                               \
    "ldr %[w1], [%[r1]], #" LD "\n\t"                                                                          \
    "eor %[w1], %[w1], %[k]\n\t"
/* Two rows: the next two input pairs, each against both rows' word shifted by SA, SB. */
#define HIL_MP_P2_(SA, SB)                                                                                     \
    "ldrd %[xa], %[xb], [%[x]], #8\n\t"                                                                        \
    "and %[t], %[m], %[w0]" SA "\n\t"                                                                          \
    "smlad %[s0], %[xa], %[t], %[s0]\n\t"                                                                      \
    "and %[t], %[m], %[w1]" SA "\n\t"                                                                          \
    "smlad %[s1], %[xa], %[t], %[s1]\n\t"                                                                      \
    "and %[t], %[m], %[w0]" SB "\n\t"                                                                          \
    "smlad %[s0], %[xb], %[t], %[s0]\n\t"                                                                      \
    "and %[t], %[m], %[w1]" SB "\n\t"                                                                          \
    "smlad %[s1], %[xb], %[t], %[s1]\n\t"
#define HIL_MP_STEP_2 HIL_MP_W2_("4") HIL_MP_P2_("", ", lsr #2") HIL_MP_P2_(", lsr #4", ", lsr #6")           \
    HIL_MP_P2_(", lsr #8", ", lsr #10") HIL_MP_P2_(", lsr #12", ", lsr #14")
#define HIL_MP_GROUP3_ HIL_MP_W2_("3") HIL_MP_P2_(", lsl #4", ", lsl #1") HIL_MP_P2_(", lsr #2", ", lsr #5")
#define HIL_MP_STEP_3 HIL_MP_GROUP3_ HIL_MP_GROUP3_
#define HIL_MP_GROUP4_ HIL_MP_W2_("4") HIL_MP_P2_("", ", lsr #4") HIL_MP_P2_(", lsr #8", ", lsr #12")
#define HIL_MP_STEP_4 HIL_MP_GROUP4_ HIL_MP_GROUP4_

/* Three rows: one row's word (address ADDR: "], #n" post-increments, ", #n]" offsets), flipped
 * by K shifted by KS, its pairs shifted by SA and SB against the input pairs in xa, xb. */
#define HIL_MP_R3_(R, S, ADDR, KS, SA, SB)                                                                     \
    "ldr %[w], [%[" R "]" ADDR "\n\t"                                                                          \
    "eor %[w], %[w], %[k]" KS "\n\t"                                                                           \
    "and %[t], %[m], %[w]" SA "\n\t"                                                                           \
    "smlad %[" S "], %[xa], %[t], %[" S "]\n\t"                                                                \
    "and %[t], %[m], %[w]" SB "\n\t"                                                                           \
    "smlad %[" S "], %[xb], %[t], %[" S "]\n\t"
#define HIL_MP_ROWS3_(ADDR, KS, SA, SB)                                                                        \
    HIL_MP_R3_("r0", "s0", ADDR, KS, SA, SB) HIL_MP_R3_("r1", "s1", ADDR, KS, SA, SB)                         \
    HIL_MP_R3_("r2", "s2", ADDR, KS, SA, SB)
#define HIL_MP_ROWS1_(ADDR, KS, SA, SB) HIL_MP_R3_("r0", "s0", ADDR, KS, SA, SB)
#define HIL_MP_X_(ADDR) "ldrd %[xa], %[xb], [%[x]" ADDR "\n\t"
/* 5 bits: the word at byte 1 (pairs 2, 3), then the one at byte 0 (pairs 0, 1). ROWS: 3 or 1. */
#define HIL_MP_GROUP5_(ROWS)                                                                                   \
    HIL_MP_X_(", #8]") ROWS(", #1]", ", lsl #2", ", lsr #2", ", lsr #7")                                      \
    HIL_MP_X_("], #16") ROWS("], #5", "", "", ", lsr #5")
#define HIL_MP_STEP_5(ROWS) HIL_MP_GROUP5_(ROWS) HIL_MP_GROUP5_(ROWS)
#define HIL_MP_GROUP6_(ROWS) HIL_MP_X_("], #8") ROWS("], #3", "", ", lsl #4", ", lsr #2")
#define HIL_MP_STEP_6(ROWS) HIL_MP_GROUP6_(ROWS) HIL_MP_GROUP6_(ROWS) HIL_MP_GROUP6_(ROWS) HIL_MP_GROUP6_(ROWS)
/* 7 bits: the word at byte 3 (pairs 2, 3), then the one at byte 0 (pairs 0, 1). */
#define HIL_MP_GROUP7_(ROWS)                                                                                   \
    HIL_MP_X_(", #8]") ROWS(", #3]", ", lsl #4", ", lsr #2", ", lsr #9")                                      \
    HIL_MP_X_("], #16") ROWS("], #7", "", ", lsl #2", ", lsr #5")
#define HIL_MP_STEP_7(ROWS) HIL_MP_GROUP7_(ROWS) HIL_MP_GROUP7_(ROWS)

#define HIL_MP_LOOP2_(STEP, N, X, R0, R1, S0, S1, K, M)                                                        \
    do {                                                                                                       \
        int32_t n_ = (N), w0_, w1_, t_, xa_, xb_;                                                              \
        HIL_ASM_LOOP(STEP,                                                                                     \
                     ([x] "+r"(X), [r0] "+r"(R0), [r1] "+r"(R1), [s0] "+r"(S0), [s1] "+r"(S1), [w0] "=&r"(w0_), \
                      [w1] "=&r"(w1_), [t] "=&r"(t_), [xa] "=&r"(xa_), [xb] "=&r"(xb_)),                       \
                     ([k] "r"(K), [m] "r"(M)));                                                                \
    } while (0)
#define HIL_MP_LOOP3_(STEP, N, X, R0, R1, R2, S0, S1, S2, K, M)                                                \
    do {                                                                                                       \
        int32_t n_ = (N), w_, t_, xa_, xb_;                                                                    \
        HIL_ASM_LOOP(STEP,                                                                                     \
                     ([x] "+r"(X), [r0] "+r"(R0), [r1] "+r"(R1), [r2] "+r"(R2), [s0] "+r"(S0), [s1] "+r"(S1),  \
                      [s2] "+r"(S2), [w] "=&r"(w_), [t] "=&r"(t_), [xa] "=&r"(xa_), [xb] "=&r"(xb_)),          \
                     ([k] "r"(K), [m] "r"(M)));                                                                \
    } while (0)
/* One row at 5, 6 or 7 bits (a matrix's rows left over by HIL_MP_LOOP3_). */
#define HIL_MP_LOOP1_(STEP, N, X, R0, S0, K, M)                                                                \
    do {                                                                                                       \
        int32_t n_ = (N), w_, t_, xa_, xb_;                                                                    \
        HIL_ASM_LOOP(STEP,                                                                                     \
                     ([x] "+r"(X), [r0] "+r"(R0), [s0] "+r"(S0), [w] "=&r"(w_), [t] "=&r"(t_), [xa] "=&r"(xa_), \
                      [xb] "=&r"(xb_)),                                                                        \
                     ([k] "r"(K), [m] "r"(M)));                                                                \
    } while (0)

#endif
#endif
