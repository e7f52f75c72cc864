#include "add_m4_impl.h"

/* input 1 - input 2, whichever of them is A */
HIL_ADD_ROWS_M4(HIL_M4_A_MINUS_B, HIL_M4_B_MINUS_A, HIL_M4_A_MINUS_B, 1, hil_sub_elem)

void hil_sub_s8_m4(const int8_t *in1, const int8_t *in2, int8_t *out, const hil_broadcast_t *bc,
                   const hil_add_m4_t *f)
{
    HIL_ADD_KERNEL_M4;
}
