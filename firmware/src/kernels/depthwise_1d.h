/* Private to src/kernels: the chains of hil_depthwise_conv_s8_m4_1d (kernels.h). */
#ifndef HIL_DEPTHWISE_1D_H
#define HIL_DEPTHWISE_1D_H

#include <stddef.h>

#include "hil/kernels.h"

/* One run of channels (one shift) over one image, as the asm reads it (offsets below): phase by
 * phase, each channel's chain from its first two samples (phase row, phase row + dc), a pair of
 * outputs a turn, the outputs k0 bytes from the turn's first sample, the next output a dilation
 * further; a chain ends span bytes past its first sample, the next phase's a row (pitch) later.
 * Or, single, each channel's one output (x = 0) from its samples at rows 0, dc and 2 dc. */
typedef struct {
    const hil_dw1d_entry_t *ent, *end;
    const int8_t *src; /* row 0 of the padded image: the first sample of phase 0 */
    int32_t dc, k0, c; /* dil_w * pitch; out - src - 2 dc; 2^(e-1) + output_offset 2^e */
    int32_t span, pitch, chains; /* (pairs + 1) 2 dc; bytes a row; dil_w */
    int32_t single;              /* out_w 1 (a streaming step): each channel's one output, no chains */
    int8_t *out; /* where k0 points (the C form's way there: k0 may not fit a host's pointer distance) */
} hil_dw1d_job_t;
typedef char hil_dw1d_job_layout_ok[sizeof(void *) != 4 || (offsetof(hil_dw1d_job_t, dc) == 12 &&
                                                             offsetof(hil_dw1d_job_t, span) == 24 &&
                                                             offsetof(hil_dw1d_job_t, chains) == 32 &&
                                                             offsetof(hil_dw1d_job_t, out) == 40)
                                        ? 1
                                        : -1];

typedef void (*hil_dw1d_run_fn)(hil_dw1d_job_t *job);

/* The M4 runs by shift e (index e, 1..HIL_DW1D_MAX_E; depthwise_conv_s8_m4_1d_asm.c), or NULL off the M4. */
extern const hil_dw1d_run_fn hil_dw1d_runs_m4[HIL_DW1D_MAX_E + 1];

/* memcpy, by load and store multiples on the M4 when both are 4-aligned (memcpy goes a word at a time). */
void hil_dw1d_copy(int8_t *dst, const int8_t *src, int32_t bytes);

/* memset, likewise by store multiples when dst is 4-aligned. */
void hil_dw1d_fill(int8_t *dst, int8_t value, int32_t bytes);

#endif
