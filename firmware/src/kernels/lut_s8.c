#include "hil/kernels_activation.h"

void hil_lut_s8(const int8_t *in, int8_t *out, int32_t n, const int8_t *table)
{
    for (int32_t i = 0; i < n; i++) {
        out[i] = table[(int32_t)in[i] + 128];
    }
}
