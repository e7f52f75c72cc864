#include <stdlib.h>

#include "hil/kernels_elementwise.h"

/* tanh(x) = 2 sigmoid(2x) - 1 on the sigmoid table. */
void hil_tanh_s16(const int16_t *in, int16_t *out, int32_t n, const hil_sigmoid_params_t *p)
{
    int32_t multiplier = p->input_multiplier;
    int32_t shift = p->input_shift;
    if (multiplier == 0) { /* power-of-two input scale */
        multiplier = 3 << shift;
        shift = 0;
    }
    const int32_t round = shift > 0 ? 1 << (shift - 1) : 0;
    for (int32_t i = 0; i < n; i++) {
        const int32_t x = ((int32_t)in[i] * multiplier + round) >> shift;
        const uint32_t ax = (uint32_t)abs(x);
        const uint32_t index = ax >> 8;
        int32_t y;
        if (index >= 255u) {
            y = 0xFFFF << 8;
        } else {
            const uint32_t a = hil_sigmoid_table_u16[index];
            const uint32_t b = hil_sigmoid_table_u16[index + 1u];
            y = (int32_t)((a << 8) + (ax & 0xFFu) * (b - a)); /* interpolate on the low 8 bits */
        }
        y = x >= 0 ? y - (1 << 23) + (1 << 7) : -y + (1 << 23) + (1 << 7) - 1;
        out[i] = (int16_t)(y >> 8); /* arithmetic shift */
    }
}
