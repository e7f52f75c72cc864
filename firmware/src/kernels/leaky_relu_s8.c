#include "activation_impl.h"

void hil_leaky_relu_s8(const int8_t *in, int8_t *out, int32_t n, const hil_leaky_relu_params_t *p)
{
    HIL_LEAKY_RELU_REF(int8_t, INT8_MIN, INT8_MAX)
}
