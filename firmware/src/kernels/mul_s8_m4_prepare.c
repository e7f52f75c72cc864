#include "elementwise_m4.h"

/* The product of two offset int8 values is below 2^16 in magnitude: shifted
 * left by up to 15 it still fits the SMMLAR form (see elementwise_m4.h). */
int hil_mul_s8_m4_prepare(const hil_mul_params_t *p, hil_mul_m4_t *f)
{
    const int32_t shift = p->output_shift;
    if (shift > 14 || shift < -22) {
        return 0;
    }
    *f = (hil_mul_m4_t){
        .p = p, .shl = 1 + (shift > 0 ? shift : 0), .exponent = shift < 0 ? -shift : 0,
        .round = shift < 0 ? (1 << (-shift - 1)) + p->output_offset * (1 << -shift) : p->output_offset,
        .full = p->act_min == INT8_MIN && p->act_max == INT8_MAX,
    };
    return 1;
}
