#include "hil/kernels_elementwise.h"

void hil_clamp_s8(const int8_t *in, int8_t *out, int32_t n, int32_t lo, int32_t hi)
{
    for (int32_t i = 0; i < n; i++) {
        out[i] = (int8_t)(in[i] > hi ? hi : (in[i] < lo ? lo : in[i])); /* TFLM's order: hi first */
    }
}
