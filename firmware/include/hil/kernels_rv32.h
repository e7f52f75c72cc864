/* The RV32-tuned kernels (src/kernels/rv32/): plain C written for rv32imc,
 * which has no SIMD, beside the reference kernels and in place of the
 * Cortex-M4 ones on the RISC-V ports (hil/kernels_opt.h picks them). Each
 * takes the arguments of its _m4 counterpart (the blob is the same for every
 * core: scratch is sized for the M4 kernels, and these use less of it or
 * none) and gives the reference kernel's bytes. Only the RISC-V builds and
 * the simulator of their kernels (`make sim-rv32`) compile them. */
#ifndef HIL_KERNELS_RV32_H
#define HIL_KERNELS_RV32_H

#include <stdint.h>

#include "hil/kernels.h"
#include "hil/kernels_gru_step.h"
#include "hil/kernels_pool.h"

/* hil_fully_connected_s8_m4's contract; scratch unused. Byte loads, MULs and
 * ADDs: eight output rows a pass for one input row, four for two. */
void hil_fully_connected_s8_rv32(const int8_t *input, const int8_t *weights, const int32_t *folded_bias,
                                 int8_t *output, int32_t *scratch, int32_t batches, int32_t in_dim, int32_t out_dim,
                                 const hil_act_quant_t *q, const hil_channel_quant_t *cq, const hil_requant_t *rq);

/* hil_conv_s8_m4's contract, on hil_fully_connected_s8_rv32. */
void hil_conv_s8_rv32(const int8_t *input, const int8_t *weights, const int32_t *folded_bias, int8_t *output,
                      int32_t *scratch, const hil_conv_geom_t *g, const hil_act_quant_t *q,
                      const hil_channel_quant_t *cq, const hil_requant_t *rq);

/* hil_gru_step_s8_m4's contract (hil/kernels_gru_step.h), on hil_fully_connected_s8_rv32. */
void hil_gru_step_s8_rv32(const int8_t *x, const int8_t *h, int8_t *out, void *scratch, const hil_gru_step_t *g);

/* hil_average_pool_s8 and hil_max_pool_s8, eight channels at a time in registers. */
void hil_average_pool_s8_rv32(const int8_t *in, int8_t *out, const hil_pool_t *p);
void hil_max_pool_s8_rv32(const int8_t *in, int8_t *out, const hil_pool_t *p);

#endif
