#include "elementwise_impl.h"

void hil_add_s8(const int8_t *in1, const int8_t *in2, int8_t *out, const hil_broadcast_t *bc,
                const hil_add_params_t *p)
{
    HIL_BROADCAST_FOR_EACH(bc, out[o] = (int8_t)hil_add_elem(in1[a1], in2[a2], p));
}
