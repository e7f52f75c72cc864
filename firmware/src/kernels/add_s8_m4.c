#include "add_m4_impl.h"

HIL_ADD_ROWS_M4(HIL_M4_A_PLUS_B, HIL_M4_A_PLUS_B, HIL_M4_A_PLUS_B, 0, hil_add_elem)

void hil_add_s8_m4(const int8_t *in1, const int8_t *in2, int8_t *out, const hil_broadcast_t *bc,
                   const hil_add_m4_t *f)
{
    HIL_ADD_KERNEL_M4;
}
