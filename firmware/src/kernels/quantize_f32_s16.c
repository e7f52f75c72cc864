#include "quantize_impl.h"

void hil_quantize_f32_s16(const float *in, int16_t *out, int32_t n, float scale, int32_t zero_point)
{
    for (int32_t i = 0; i < n; i++) {
        out[i] = (int16_t)hil_clamp(hil_quantize_f32(in[i], scale, zero_point), INT16_MIN, INT16_MAX);
    }
}
