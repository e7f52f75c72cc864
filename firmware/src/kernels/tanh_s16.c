#include "sigmoid_impl.h"

/* tanh(x) = 2 sigmoid(2x) - 1: the table in 8-bit steps, the result signed. */
void hil_tanh_s16(const int16_t *in, int16_t *out, int32_t n, const hil_sigmoid_params_t *p)
{
    HIL_SIGMOID_S16_FOR_EACH(int32_t, 8, 0xFFFF << 8, {
        y = x >= 0 ? y - (1 << 23) + (1 << 7) : -y + (1 << 23) + (1 << 7) - 1;
        out[i] = (int16_t)(y >> 8); /* arithmetic shift */
    });
}
