#include <string.h>

#include "hil/kernels_elementwise.h"

void hil_strided_slice(const uint8_t *in, uint8_t *out, int32_t elem_bytes, const hil_slice_params_t *p)
{
    const int32_t *c = p->count, *s = p->step;
    for (int32_t i0 = 0; i0 < c[0]; i0++) {
        for (int32_t i1 = 0; i1 < c[1]; i1++) {
            for (int32_t i2 = 0; i2 < c[2]; i2++) {
                int32_t at = p->base + i0 * s[0] + i1 * s[1] + i2 * s[2];
                if (s[3] == 1) { /* contiguous innermost run */
                    memmove(out, in + (size_t)at * (size_t)elem_bytes, (size_t)c[3] * (size_t)elem_bytes);
                    out += (size_t)c[3] * (size_t)elem_bytes;
                    continue;
                }
                for (int32_t i3 = 0; i3 < c[3]; i3++, at += s[3]) {
                    memmove(out, in + (size_t)at * (size_t)elem_bytes, (size_t)elem_bytes);
                    out += elem_bytes;
                }
            }
        }
    }
}
