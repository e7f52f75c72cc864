#include "sigmoid_impl.h"

/* The table in 9-bit steps; the result rounded to 0.15 fixed point. */
void hil_logistic_s16(const int16_t *in, int16_t *out, int32_t n, const hil_sigmoid_params_t *p)
{
    HIL_SIGMOID_S16_FOR_EACH(uint32_t, 9, 0x7FFFu << 10, {
        y = x >= 0 ? y + (1u << 9) : (1u << 25) - y + (1u << 9) - 1u;
        out[i] = (int16_t)(y >> 10);
    });
}
