/* RISC-V (rv32imc, the ESP32-C3): the _m4 kernels compile here in their
 * portable C form (simd_m4.h without the DSP extension), which pays for some
 * ops and not others. Measured on qemu-rv32 with every op optimised
 * (`make rv32 BUILD=build/rv-all RV_KERNEL_SETS=src/runtime/kernel_sets/every_op.c`,
 * then `hil bench kernels`; executed instructions, optimised / reference):
 * LOGISTIC and TANH int8 tables 0.03, ADD/SUB/MUL int8 0.15-0.38,
 * DEPTHWISE_CONV_2D 0.38-0.40, MP_GRU 0.48-0.87 pay; the ops below do not,
 * as an emulated SMLAD costs more than the reference's plain MAC:
 * FULLY_CONNECTED 1.84-1.94, CONV_2D 1.08-1.18, AVERAGE_POOL_2D 1.44-1.92,
 * MAX_POOL_2D 2.08-2.21, GRU_STEP_S8 1.15. They run their reference kernels
 * until RV32-tuned ones sit beside them. */
#include "../kernel_sets.h"
#include "hil/model.h"

int hil_kernel_sets_reference_only(uint8_t code)
{
    switch (code) {
    case HIL_OP_FULLY_CONNECTED:
    case HIL_OP_CONV_2D:
    case HIL_OP_AVERAGE_POOL_2D:
    case HIL_OP_MAX_POOL_2D:
    case HIL_OP_GRU_STEP_S8:
        return 1;
    default:
        return 0;
    }
}
