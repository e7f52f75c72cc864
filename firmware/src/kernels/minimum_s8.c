#include "elementwise_impl.h"
#include "hil/kernels_activation.h"

void hil_minimum_s8(const int8_t *in1, const int8_t *in2, int8_t *out, const hil_broadcast_t *bc)
{
    HIL_BROADCAST_FOR_EACH(bc, out[o] = in1[a1] < in2[a2] ? in1[a1] : in2[a2]);
}
