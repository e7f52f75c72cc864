#include <stdlib.h>

#include "hil/kernels_elementwise.h"

void hil_logistic_s16(const int16_t *in, int16_t *out, int32_t n, const hil_sigmoid_params_t *p)
{
    int32_t multiplier = p->input_multiplier;
    int32_t shift = p->input_shift;
    if (multiplier == 0) { /* power-of-two input scale: x * 3 / 4 into the table's range */
        multiplier = 3 << shift;
        shift = 0;
    }
    const int32_t round = shift > 0 ? 1 << (shift - 1) : 0;
    for (int32_t i = 0; i < n; i++) {
        const int32_t x = ((int32_t)in[i] * multiplier + round) >> shift;
        const uint32_t ax = (uint32_t)abs(x);
        const uint32_t index = ax >> 9;
        uint32_t y;
        if (index >= 255u) {
            y = 0x7FFFu << 10;
        } else {
            const uint32_t a = hil_sigmoid_table_u16[index];
            const uint32_t b = hil_sigmoid_table_u16[index + 1u];
            y = (a << 9) + (ax & 0x1FFu) * (b - a); /* interpolate on the low 9 bits */
        }
        y = x >= 0 ? y + (1u << 9) : (1u << 25) - y + (1u << 9) - 1u;
        out[i] = (int16_t)(y >> 10);
    }
}
