#include "activation_impl.h"

void hil_prelu_s8(const int8_t *in, const int8_t *alpha, int8_t *out, const hil_broadcast_t *bc,
                  const hil_prelu_params_t *p)
{
    HIL_BROADCAST_FOR_EACH(bc, out[o] = (int8_t)hil_clamp(hil_prelu_elem(in[a1] + p->input_offset, alpha[a2], p),
                                                          INT8_MIN, INT8_MAX));
}
