/* One DynCP gated residual block (HIL_GATED_CONV), int8: a gate head on the
 * block input decides per frame which of the mid channels are computed; the
 * kernels compute only those (their expansion rows, depthwise filters and
 * projection columns) and keep the depthwise history. The arithmetic is
 * hil/gconv/ref.py (docs/dyncp.md): hil_gated_conv_s8 is its plain C form,
 * hil_gated_conv_s8_m4 the Cortex-M4 form (SMLAD on int16 pairs), bit for bit
 * the same. The kernels trust their arguments: op_gated_conv.c checks them in
 * prepare(). */
#ifndef HIL_KERNELS_GATED_CONV_H
#define HIL_KERNELS_GATED_CONV_H

#include <stdint.h>

#include "hil/kernels_elementwise.h"

enum { HIL_GC_GATE, HIL_GC_EXPAND, HIL_GC_DEPTHWISE, HIL_GC_PROJECT, HIL_GC_STAGES };

typedef struct {
    int32_t channels, mid, gate_dim; /* C (block input and output), M (gated channels), R (gate head) */
    int32_t kernel, dilation, hist_frames; /* hist_frames = (kernel - 1) * dilation */
    int32_t x_zp, z_zp, u_zp, v_zp, p_zp;
    int32_t open; /* 1: a static block, every channel kept without running the gate head */
    const int8_t *wg1, *wg2, *w1, *wd, *w2t; /* [R][C], [M][R], [M][C], [K][M], [M][C] (projection transposed) */
    const int32_t *bg1, *bg2, *b1, *bd, *b2;
    const int32_t *multiplier[HIL_GC_STAGES], *shift[HIL_GC_STAGES]; /* per output channel of each stage */
    const hil_add_params_t *add;   /* the residual y = x + p */
    const hil_add_m4_t *add_m4;    /* its M4 form, or NULL (the M4 kernel then uses the record's arithmetic) */
} hil_gated_conv_t;

/* Scratch bytes both kernels need (hil/compile/ops/gated_conv.py mirrors it). */
#define HIL_GC_C4(n) (((n) + 3) & ~3)
#define HIL_GATED_CONV_SCRATCH(c, m, r) (6 * HIL_GC_C4(c) + 2 * HIL_GC_C4(r) + 5 * HIL_GC_C4(m))

/* One frame. x: C int8 in; hist: hist_frames * M int8 rows (a ring: u of the
 * last frames, a pruned channel's as u_zp) then the ring position (u32,
 * 4-aligned), updated in place; y: C int8 out; gates: M int8 out, 1 kept /
 * 0 pruned. scratch: HIL_GATED_CONV_SCRATCH bytes, 4-aligned. Returns the
 * number of kept channels. */
int32_t hil_gated_conv_s8(const hil_gated_conv_t *k, const int8_t *x, int8_t *hist, int8_t *y, int8_t *gates,
                          void *scratch);
int32_t hil_gated_conv_s8_m4(const hil_gated_conv_t *k, const int8_t *x, int8_t *hist, int8_t *y, int8_t *gates,
                             void *scratch);

#endif
