#include "quantize_impl.h"

void hil_quantize_f32_s8(const float *in, int8_t *out, int32_t n, float scale, int32_t zero_point)
{
    for (int32_t i = 0; i < n; i++) {
        out[i] = (int8_t)hil_clamp(hil_quantize_f32(in[i], scale, zero_point), INT8_MIN, INT8_MAX);
    }
}
