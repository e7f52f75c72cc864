/* hil_ln_f32: the natural log without libm (newlib's and glibc's logf round
 * differently; this one is plain IEEE float arithmetic, reproduced by numpy). */
#include <string.h>

#include "hil/stft.h"

#define SQRT2_BITS 0x3FB504F3u /* float32(sqrt(2)) */
#define LN2 0.693147182f

float hil_ln_f32(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof(u));
    int32_t e = (int32_t)(u >> 23) - 127;
    uint32_t mbits = (u & 0x007FFFFFu) | 0x3F800000u; /* m in [1, 2) */
    if (mbits > SQRT2_BITS) {                        /* m in [sqrt(1/2), sqrt(2)) keeps |s| <= 0.172 */
        mbits -= 0x00800000u;
        e += 1;
    }
    float m;
    memcpy(&m, &mbits, sizeof(m));
    const float s = (m - 1.0f) / (m + 1.0f);
    const float s2 = s * s;
    float p = 0.222222224f;         /* 2/9 */
    p = p * s2 + 0.285714298f;      /* 2/7 */
    p = p * s2 + 0.400000006f;      /* 2/5 */
    p = p * s2 + 0.666666687f;      /* 2/3 */
    p = p * s2 + 2.0f;
    return (float)e * LN2 + s * p;
}
