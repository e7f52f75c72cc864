#include "hil/kernels_elementwise.h"
#include "hil/qmath_ext.h"

/* round(x) half away from zero, converted to int32 as TFLM's x86 build does it
 * (cvttss2si: NaN and out-of-range values give INT32_MIN). */
static int32_t round_to_int32(float x)
{
    if (x < 8388608.0f && x > -8388608.0f) {
        int32_t t = (int32_t)x; /* toward zero; x - t is exact */
        const float frac = x - (float)t;
        if (frac >= 0.5f) {
            t++;
        } else if (frac <= -0.5f) {
            t--;
        }
        return t;
    }
    if (x >= -2147483648.0f && x < 2147483648.0f) {
        return (int32_t)x; /* already an integer */
    }
    return INT32_MIN;
}

void hil_quantize_f32_s16(const float *in, int16_t *out, int32_t n, float scale, int32_t zero_point)
{
    for (int32_t i = 0; i < n; i++) {
        const int32_t y = hil_wadd(round_to_int32(in[i] / scale), zero_point);
        out[i] = (int16_t)hil_clamp(y, INT16_MIN, INT16_MAX);
    }
}
