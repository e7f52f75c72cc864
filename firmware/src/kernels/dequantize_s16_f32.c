#include "hil/kernels_elementwise.h"

void hil_dequantize_s16_f32(const int16_t *in, float *out, int32_t n, float scale, int32_t zero_point)
{
    for (int32_t i = 0; i < n; i++) {
        out[i] = scale * (float)((int32_t)in[i] - zero_point);
    }
}
