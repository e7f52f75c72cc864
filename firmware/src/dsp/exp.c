/* hil_exp_f32: e^y without libm (plain IEEE float arithmetic, reproduced by
 * numpy in hil/dsp/mathf.py): y = k ln2 + r with ln2 in two parts (k ln2_hi
 * is exact for |k| < 2^9), e^r by its Taylor polynomial to r^7 (truncation
 * < 6e-9 relative for |r| <= ln2/2), scaled by 2^k built from the bits. */
#include <string.h>

#include "hil/stft.h"

#define INV_LN2 1.44269502f
#define LN2_HI 0.693145752f /* 0x3F317200: the low 9 bits clear */
#define LN2_LO 1.42860677e-06f

float hil_exp_f32(float y)
{
    if (!(y > -87.0f)) { /* NaN too: e^y then underflows to 2^-126 scale, never a NaN on the board */
        y = -87.0f;
    }
    if (y > 88.0f) {
        y = 88.0f;
    }
    const float kf = y * INV_LN2;
    const int32_t k = (int32_t)(kf >= 0.0f ? kf + 0.5f : kf - 0.5f); /* round half away from zero */
    const float r = (y - (float)k * LN2_HI) - (float)k * LN2_LO;
    float p = 1.98412701e-04f;  /* 1/7! */
    p = p * r + 1.38888892e-03f; /* 1/6! */
    p = p * r + 8.33333377e-03f; /* 1/5! */
    p = p * r + 4.16666679e-02f; /* 1/4! */
    p = p * r + 0.166666672f;    /* 1/3! */
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    const uint32_t bits = (uint32_t)(k + 127) << 23; /* k in [-126, 127] */
    float scale;
    memcpy(&scale, &bits, sizeof(scale));
    return p * scale;
}
