/* The optimised int8 kernels an op's eval[0] runs where a core has its own
 * form: each port selects its set here, at compile time (no call through a
 * table, and a port's image holds only its own set).
 *  - the Cortex-M4, and the builds that mirror its arithmetic (the host
 *    firmware, the simulator, the fuzzers): the _m4 kernels (SMLAD loops,
 *    src/kernels/simd_m4.h);
 *  - rv32imc (HIL_KERNELS_RV32: the Makefile's rv32 and esp32c3 builds, and
 *    the simulator of their kernels, `make sim-rv32`): the RV32-tuned plain C
 *    of src/kernels/rv32/ (hil/kernels_rv32.h).
 * Every form takes the same arguments and gives the reference kernel's bytes;
 * src/runtime/kernel_sets/ then says, per core, which ops' optimised kernels
 * pay at all. */
#ifndef HIL_KERNELS_OPT_H
#define HIL_KERNELS_OPT_H

#include "hil/kernels.h"
#include "hil/kernels_gru_step.h"
#include "hil/kernels_pool.h"

#if defined(HIL_KERNELS_RV32) && HIL_KERNELS_RV32
#include "hil/kernels_rv32.h"
#define hil_fully_connected_s8_opt hil_fully_connected_s8_rv32
#define hil_conv_s8_opt hil_conv_s8_rv32
#define hil_gru_step_s8_opt hil_gru_step_s8_rv32
#define hil_average_pool_s8_opt hil_average_pool_s8_rv32
#define hil_max_pool_s8_opt hil_max_pool_s8_rv32
#else
#define hil_fully_connected_s8_opt hil_fully_connected_s8_m4
#define hil_conv_s8_opt hil_conv_s8_m4
#define hil_gru_step_s8_opt hil_gru_step_s8_m4
#define hil_average_pool_s8_opt hil_average_pool_s8_m4
#define hil_max_pool_s8_opt hil_max_pool_s8_m4
#endif

#endif
