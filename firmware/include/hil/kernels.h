/* Multiply-accumulate kernels: int8 activations, int8 per-channel weights,
 * int32 bias, TFLite requantisation. Each has a reference version (plain C,
 * the definition of the result) and, where marked _m4, a Cortex-M4 version
 * with SMLAD dual-MAC inner loops; the two give identical bytes.
 *
 * Layouts are TFLite's: activations NHWC, fully-connected weights [out][in],
 * conv weights [out][kh][kw][in], depthwise weights [1][kh][kw][channels]. */
#ifndef HIL_KERNELS_H
#define HIL_KERNELS_H

#include <stdint.h>

/* Quantisation of an op's activations. */
typedef struct {
    int32_t input_offset;  /* minus the input zero point */
    int32_t output_offset; /* the output zero point */
    int32_t act_min;       /* clamp after requantisation (fused activation) */
    int32_t act_max;
} hil_act_quant_t;

/* Per-output-channel requantisation: multiplier[c] (Q31) and shift[c]. */
typedef struct {
    const int32_t *multiplier;
    const int32_t *shift;
} hil_channel_quant_t;

/* output[b][o] = requant(sum_i (input[b][i] + input_offset) * weights[o][i] + bias[o]).
 * input [batches][in_dim], weights [out_dim][in_dim], bias [out_dim] or NULL,
 * output [batches][out_dim]. */
void hil_fully_connected_s8(const int8_t *input, const int8_t *weights, const int32_t *bias, int8_t *output,
                            int32_t batches, int32_t in_dim, int32_t out_dim, const hil_act_quant_t *q,
                            const hil_channel_quant_t *cq);

#endif
