/* RISC-V (rv32imc, the ESP32-C3): which optimised kernels pay. Measured on
 * qemu-rv32 (`hil bench kernels --board qemu-rv32`; executed instructions,
 * optimised / reference):
 *  - the RV32-tuned kernels of src/kernels/rv32/ (hil/kernels_opt.h):
 *    FULLY_CONNECTED 0.44-0.47 (0.24-0.28 MACs per instruction, against
 *    0.11-0.12), CONV_2D 0.40 (pointwise) and 0.41 (3x3), GRU_STEP_S8 0.35
 *    (56 -> 56), AVERAGE_POOL_2D 0.43-0.70, MAX_POOL_2D 0.56-0.67 (the
 *    smaller the window, the more of the work is the pixel walk's);
 *  - the _m4 kernels in their portable C form (simd_m4.h without the DSP
 *    extension): LOGISTIC and TANH int8 tables 0.03, ADD/SUB/MUL int8
 *    0.15-0.38, DEPTHWISE_CONV_2D 0.22-0.38, MP_GRU 0.48-0.87. (Their
 *    FULLY_CONNECTED, CONV_2D, pools and fused GRU step did not pay, 1.08-2.21:
 *    an emulated SMLAD costs more than the reference's MAC.)
 * Every op pays, so none runs its reference kernels for both sets; an op
 * whose optimised form stops paying on this core goes in the switch (and
 * `hil bench kernels` then shows equal counts for it). */
#include "../kernel_sets.h"

int hil_kernel_sets_reference_only(uint8_t code)
{
    switch (code) {
    default:
        return 0;
    }
}
