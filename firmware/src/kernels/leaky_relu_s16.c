#include "activation_impl.h"

void hil_leaky_relu_s16(const int16_t *in, int16_t *out, int32_t n, const hil_leaky_relu_params_t *p)
{
    HIL_LEAKY_RELU_REF(int16_t, INT16_MIN, INT16_MAX)
}
