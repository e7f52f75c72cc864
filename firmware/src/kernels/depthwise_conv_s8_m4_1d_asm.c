/* The chains of hil_depthwise_conv_s8_m4_1d on the M4 (depthwise_conv_s8_m4_1d.c has the
 * arithmetic), one function per requantisation shift e, whose SSAT takes it as an immediate:
 * fourteen registers in the loop, which only a naked function can count on. A turn of two
 * pairs of outputs is 34 instructions: per pair two byte loads and a pack, four MACs, per
 * output a sign correction, SMMLAR, SSAT and a byte store, the pointer step, and a compare and
 * branch a turn. A chain (a channel's outputs of one phase) costs 12 more: its constants (one
 * load multiple), its first pair, and the loop over the run's channels, which go inside the loop
 * over the phases so that a phase's start and span are only two words to load. */
#include <string.h>

#include "depthwise_1d.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* In the loop: r0 sample pointer, r1 chain end, r2 dc, r3 k0, r4 k0 + dc, r5 (w0, w1),
 * r6 (w1, w2), r7 2 bias, r8 multiplier, r9 c; A and B the sample pairs, r12 and lr the sums.
 * The frame: ent, end, the phase's src, span, the run's first entry, the phases' end, pitch. */
#define DW1D_PAIR_(A, B, E)                                                                                            \
    "ldrsb " B ", [r0]\n\t"                                                                                            \
    "ldrsb lr, [r0, r2]\n\t"                                                                                           \
    "pkhbt " B ", " B ", lr, lsl #16\n\t"                                                                              \
    "smlad r12, " A ", r5, r7\n\t"                                                                                     \
    "smlatb lr, " A ", r5, r7\n\t"                                                                                     \
    "smlabt r12, " B ", r6, r12\n\t"                                                                                   \
    "smlad lr, " B ", r6, lr\n\t"                                                                                      \
    "add " A ", r9, r12, asr #31\n\t"                                                                                  \
    "smmlar r12, r12, r8, " A "\n\t"                                                                                   \
    "ssat r12, #8, r12, asr #" E "\n\t"                                                                                \
    "strb r12, [r0, r3]\n\t"                                                                                           \
    "add " A ", r9, lr, asr #31\n\t"                                                                                   \
    "smmlar lr, lr, r8, " A "\n\t"                                                                                     \
    "ssat lr, #8, lr, asr #" E "\n\t"                                                                                  \
    "strb lr, [r0, r4]\n\t"                                                                                            \
    "add r0, r0, r2, lsl #1\n\t"

/* Each channel's one output: r0 src, r1 ent, r2 dc, r3 the run's end, r4 out. */
#define DW1D_SINGLE_(E)                                                                                                \
    "ldrd r1, r3, [r0]\n\t"                                                                                            \
    "ldr r2, [r0, #12]\n\t"                                                                                            \
    "ldr r9, [r0, #20]\n\t"                                                                                            \
    "ldr r4, [r0, #40]\n\t"                                                                                            \
    "ldr r0, [r0, #8]\n\t"                                                                                             \
    "6:\n\t"                                                                                                           \
    "ldmia r1!, {r5-r8, r10}\n\t"                                                                                      \
    "add r11, r0, r10\n\t"                                                                                             \
    "ldrsb r12, [r11]\n\t"                                                                                             \
    "ldrsb lr, [r11, r2]\n\t"                                                                                          \
    "pkhbt r12, r12, lr, lsl #16\n\t"                                                                                  \
    "ldrsb lr, [r11, r2, lsl #1]\n\t"                                                                                  \
    "smlad r12, r12, r5, r7\n\t"                                                                                       \
    "smlabt r12, lr, r6, r12\n\t"                                                                                      \
    "add lr, r9, r12, asr #31\n\t"                                                                                     \
    "smmlar r12, r12, r8, lr\n\t"                                                                                      \
    "ssat r12, #8, r12, asr #" E "\n\t"                                                                                \
    "strb r12, [r4, r10]\n\t"                                                                                          \
    "cmp r1, r3\n\t"                                                                                                   \
    "bne 6b\n\t"

#define DW1D_RUN_(E)                                                                                                   \
    __attribute__((naked)) static void run_##E(hil_dw1d_job_t *job __attribute__((unused)))                            \
    {                                                                                                                  \
        __asm__ volatile("push {r4-r11, lr}\n\t"                                                                       \
                         "sub sp, sp, #32\n\t"                                                                         \
                         "ldr r12, [r0, #36]\n\t" /* single */                                                         \
                         "cmp r12, #0\n\t"                                                                             \
                         "bne 5f\n\t"                                                                                  \
                         "ldrd r1, r2, [r0]\n\t" /* ent, end */                                                        \
                         "strd r1, r2, [sp]\n\t"                                                                       \
                         "str r1, [sp, #16]\n\t"                                                                       \
                         "ldr r1, [r0, #8]\n\t" /* src */                                                              \
                         "ldrd r2, r3, [r0, #24]\n\t" /* span, pitch */                                                \
                         "strd r1, r2, [sp, #8]\n\t"                                                                   \
                         "str r3, [sp, #24]\n\t"                                                                       \
                         "ldr r2, [r0, #32]\n\t" /* chains */                                                          \
                         "mla r1, r2, r3, r1\n\t"                                                                      \
                         "str r1, [sp, #20]\n\t"                                                                       \
                         "ldrd r2, r3, [r0, #12]\n\t" /* dc, k0 */                                                     \
                         "add r4, r3, r2\n\t"                                                                          \
                         "ldr r9, [r0, #20]\n\t"                                                                       \
                         "ldr r1, [sp]\n\t"                                                                            \
                         "1:\n\t" /* a channel's chain */                                                              \
                         "ldmia r1!, {r5-r8, r10}\n\t"                                                                 \
                         "str r1, [sp]\n\t"                                                                            \
                         "ldrd r0, r1, [sp, #8]\n\t" /* the phase's src, span */                                       \
                         "add r0, r0, r10\n\t"                                                                         \
                         "add r1, r1, r0\n\t"                                                                          \
                         "ldrsb r10, [r0]\n\t"                                                                         \
                         "ldrsb lr, [r0, r2]\n\t"                                                                      \
                         "pkhbt r10, r10, lr, lsl #16\n\t"                                                             \
                         "add r0, r0, r2, lsl #1\n\t"                                                                  \
                         "3:\n\t" DW1D_PAIR_("r10", "r11", #E) DW1D_PAIR_("r11", "r10", #E)                            \
                         "cmp r0, r1\n\t"                                                                              \
                         "bne 3b\n\t"                                                                                  \
                         "ldrd r1, r12, [sp]\n\t" /* ent, end */                                                       \
                         "cmp r1, r12\n\t"                                                                             \
                         "bne 1b\n\t"                                                                                  \
                         "ldrd r0, r12, [sp, #20]\n\t" /* the phases' end, pitch */                                    \
                         "ldr r10, [sp, #8]\n\t"                                                                       \
                         "add r10, r10, r12\n\t"                                                                       \
                         "cmp r10, r0\n\t"                                                                             \
                         "beq 4f\n\t"                                                                                  \
                         "str r10, [sp, #8]\n\t"                                                                       \
                         "ldr r1, [sp, #16]\n\t"                                                                       \
                         "str r1, [sp]\n\t"                                                                            \
                         "b 1b\n\t"                                                                                    \
                         "b 4f\n\t"                                                                                    \
                         "5:\n\t" DW1D_SINGLE_(#E) "4:\n\t"                                                            \
                         "add sp, sp, #32\n\t"                                                                         \
                         "pop {r4-r11, pc}");                                                                          \
    }

DW1D_RUN_(1)
DW1D_RUN_(2)
DW1D_RUN_(3)
DW1D_RUN_(4)
DW1D_RUN_(5)
DW1D_RUN_(6)
DW1D_RUN_(7)
DW1D_RUN_(8)
DW1D_RUN_(9)
DW1D_RUN_(10)
DW1D_RUN_(11)
DW1D_RUN_(12)
DW1D_RUN_(13)
DW1D_RUN_(14)
DW1D_RUN_(15)
DW1D_RUN_(16)
DW1D_RUN_(17)
DW1D_RUN_(18)
DW1D_RUN_(19)
DW1D_RUN_(20)
DW1D_RUN_(21)
DW1D_RUN_(22)

/* blocks >= 1 blocks of 32 bytes from src to dst, both 4-aligned: a load and a store multiple a block. */
__attribute__((naked)) static void copy_blocks(int8_t *dst __attribute__((unused)),
                                               const int8_t *src __attribute__((unused)),
                                               int32_t blocks __attribute__((unused)))
{
    __asm__ volatile("push {r4-r10}\n\t"
                     "1:\n\t"
                     "ldmia r1!, {r3-r10}\n\t"
                     "stmia r0!, {r3-r10}\n\t"
                     "subs r2, r2, #1\n\t"
                     "bne 1b\n\t"
                     "pop {r4-r10}\n\t"
                     "bx lr");
}

/* blocks >= 1 blocks of 32 bytes at dst, 4-aligned, set to the word v. */
__attribute__((naked)) static void fill_blocks(int8_t *dst __attribute__((unused)), uint32_t v __attribute__((unused)),
                                               int32_t blocks __attribute__((unused)))
{
    __asm__ volatile("push {r4-r8}\n\t"
                     "mov r3, r1\n\t"
                     "mov r4, r1\n\t"
                     "mov r5, r1\n\t"
                     "mov r6, r1\n\t"
                     "mov r7, r1\n\t"
                     "mov r8, r1\n\t"
                     "mov r12, r1\n\t"
                     "1:\n\t"
                     "stmia r0!, {r1, r3-r8, r12}\n\t"
                     "subs r2, r2, #1\n\t"
                     "bne 1b\n\t"
                     "pop {r4-r8}\n\t"
                     "bx lr");
}

void hil_dw1d_fill(int8_t *dst, int8_t value, int32_t bytes)
{
    const int32_t blocks = ((uintptr_t)dst & 3u) == 0u ? bytes >> 5 : 0;
    if (blocks > 0) {
        fill_blocks(dst, (uint8_t)value * 0x01010101u, blocks);
    }
    memset(dst + 32 * blocks, value, (size_t)(bytes - 32 * blocks));
}

void hil_dw1d_copy(int8_t *dst, const int8_t *src, int32_t bytes)
{
    const int32_t blocks = ((uintptr_t)dst & 3u) == 0u && ((uintptr_t)src & 3u) == 0u ? bytes >> 5 : 0;
    if (blocks > 0) {
        copy_blocks(dst, src, blocks);
    }
    memcpy(dst + 32 * blocks, src + 32 * blocks, (size_t)(bytes - 32 * blocks));
}

const hil_dw1d_run_fn hil_dw1d_runs_m4[HIL_DW1D_MAX_E + 1] = {
    NULL,   run_1,  run_2,  run_3,  run_4,  run_5,  run_6,  run_7,  run_8,  run_9,  run_10, run_11,
    run_12, run_13, run_14, run_15, run_16, run_17, run_18, run_19, run_20, run_21, run_22,
};
#else
const hil_dw1d_run_fn hil_dw1d_runs_m4[HIL_DW1D_MAX_E + 1] = {NULL};

void hil_dw1d_copy(int8_t *dst, const int8_t *src, int32_t bytes) { memcpy(dst, src, (size_t)bytes); }

void hil_dw1d_fill(int8_t *dst, int8_t value, int32_t bytes) { memset(dst, value, (size_t)bytes); }
#endif
