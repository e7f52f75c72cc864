/* Private to src/kernels: what QUANTIZE float32 -> int8 / int16 shares
 * (hil_quantize_f32_s8 / _s16, hil/kernels_elementwise.h). */
#ifndef HIL_QUANTIZE_IMPL_H
#define HIL_QUANTIZE_IMPL_H

#include "hil/kernels_elementwise.h"
#include "hil/qmath_ext.h"

/* round(x) half away from zero, converted to int32 as TFLM's x86 build does it
 * (cvttss2si: NaN and out-of-range values give INT32_MIN). */
static inline int32_t hil_round_to_int32(float x)
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

/* round(x / scale) + zero_point, wrapping, before the output type's clamp. */
static inline int32_t hil_quantize_f32(float x, float scale, int32_t zero_point)
{
    return hil_wadd(hil_round_to_int32(x / scale), zero_point);
}

#endif
