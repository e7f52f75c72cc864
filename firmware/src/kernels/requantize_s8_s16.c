#include "hil/kernels_elementwise.h"
#include "hil/qmath_ext.h"

void hil_requantize_s8_s16(const int8_t *in, int16_t *out, int32_t n, const hil_requant_params_t *p)
{
    for (int32_t i = 0; i < n; i++) {
        const int32_t y = hil_wadd(hil_requantize((int32_t)in[i] - p->input_zero_point, p->multiplier, p->shift),
                                   p->output_offset);
        out[i] = (int16_t)hil_clamp(y, p->act_min, p->act_max);
    }
}
