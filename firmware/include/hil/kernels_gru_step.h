/* The fused int8 GRU step (GRU_STEP_S8): one step of a GRU cell computed
 * exactly as the TFLite graph hil.convert.streaming.gru_step_model converts
 * to, which the compiler fuses (hil/compile/fuse.py), bit-exact with TFLM on
 * that graph. Every intermediate is the int8 tensor the graph has, made by the
 * arithmetic of the op that makes it there (hil/kernels.h,
 * hil/kernels_elementwise.h), in this order:
 *
 *   z = LOGISTIC(ADD(FC_zx(x), FC_zh(h)))      r = LOGISTIC(ADD(FC_rx(x), FC_rh(h)))
 *   reset_after:  q = MUL(r, FC_hh(h))         else:  q = FC_hh(MUL(r, h))
 *   c = TANH(ADD(FC_hx(x), q))                 h' = ADD(c, MUL(z, SUB(h, c)))
 *
 * Binary ops' parameters take their inputs in the order written here. x has
 * in_dim values, h and h' units (1..HIL_GRU_STEP_MAX_DIM each); FC weights are
 * [units][in_dim] for the _X projections, [units][units] for the _H ones.
 * The reference kernel runs the ops' reference kernels in turn; the Cortex-M4
 * kernel runs the FCs by hil_fully_connected_s8_m4 and then each unit's chain
 * of element-wise ops in registers, the three activations as 256-entry
 * tables (the RISC-V ports' hil_gru_step_s8_rv32 the same on their FC
 * kernel, hil/kernels_rv32.h); all give the same bytes. They trust their arguments: op_gru_step.c
 * checks them at load, the tables against hil_logistic_s8 / hil_tanh_s8 on
 * every input. */
#ifndef HIL_KERNELS_GRU_STEP_H
#define HIL_KERNELS_GRU_STEP_H

#include <stdint.h>

#include "hil/kernels.h"
#include "hil/kernels_elementwise.h"

#define HIL_GRU_STEP_MAX_DIM 4096 /* keeps dot products and scratch sizes far from overflow */

/* The cell's FULLY_CONNECTEDs: odd ones read h (or, for HH before the reset, MUL(r, h)). */
enum { HIL_GRU_ZX, HIL_GRU_ZH, HIL_GRU_RX, HIL_GRU_RH, HIL_GRU_HX, HIL_GRU_HH, HIL_GRU_FCS };

typedef struct {
    const int8_t *weights;      /* [units][depth] */
    const int32_t *bias;        /* the FC's bias [units], or NULL (reference kernel) */
    const int32_t *folded_bias; /* bias + input_offset * row sums [units] (M4 kernel) */
    hil_act_quant_t q;
    hil_channel_quant_t cq;
    const hil_requant_t *rq; /* hil_requant_entry per unit, or NULL when a shift is >= 0 */
} hil_gru_fc_t;

/* The element-wise ops, as the blob stores them (hil/compile/ops/gru_step.py). */
typedef struct {
    hil_add_params_t add_z;   /* ADD(FC_zx, FC_zh) */
    hil_add_params_t add_r;   /* ADD(FC_rx, FC_rh) */
    hil_mul_params_t mul_r;   /* MUL(r, FC_hh(h)), or MUL(r, h) before FC_hh */
    hil_add_params_t add_h;   /* ADD(FC_hx, q) */
    hil_add_params_t sub;     /* SUB(h, c) */
    hil_mul_params_t mul_z;   /* MUL(z, SUB) */
    hil_add_params_t add_out; /* ADD(c, MUL) */
    hil_sigmoid_params_t sig_z, sig_r, tanh;
    int8_t lut_z[256], lut_r[256], lut_h[256]; /* the three activations at inputs -128..127 */
} hil_gru_ew_t;

typedef struct {
    int32_t in_dim, units;
    int32_t reset_after; /* 1: Keras reset_after=True (the reset MUL after FC_hh) */
    hil_gru_fc_t fc[HIL_GRU_FCS];
    const hil_gru_ew_t *ew;
} hil_gru_step_t;

/* Whether an ADD/SUB input's rescale is exactly 1/2 (multiplier 2^30, shift
 * 0): what TFLM's Prepare gives the input of the larger scale. The kernels
 * take element-wise ops as TFLM makes them for any sane quantisation: an
 * ADD/SUB input of each op rescaled by 1/2, every other rescale with a shift
 * < 0, no fused activations. */
static inline int hil_gru_half(int32_t multiplier, int32_t shift)
{
    return multiplier == 1 << 30 && shift == 0;
}

/* Scratch bytes the kernels need: six vectors of units (each rounded up to
 * 4 bytes), then the FC kernel's unpacked input row (HIL_FC_M4_SCRATCH). */
static inline int32_t hil_gru_step_scratch(int32_t in_dim, int32_t units)
{
    const int32_t depth = in_dim > units ? in_dim : units;
    return HIL_GRU_FCS * ((units + 3) & ~3) + HIL_FC_M4_SCRATCH(depth, 1);
}

/* h' of x and h (none of them overlapping out or scratch, which is 4-aligned). */
void hil_gru_step_s8(const int8_t *x, const int8_t *h, int8_t *out, void *scratch, const hil_gru_step_t *g);
void hil_gru_step_s8_m4(const int8_t *x, const int8_t *h, int8_t *out, void *scratch, const hil_gru_step_t *g);

#endif
