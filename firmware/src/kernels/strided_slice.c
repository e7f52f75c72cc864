#include <string.h>

#include "hil/kernels_elementwise.h"

/* One innermost run of n elements step apart (a gather): typed copies, one
 * load and one store per element, for the element sizes the runtime has. */
static void gather_run(const uint8_t *in, int32_t at, int32_t step, int32_t n, uint8_t *out, int32_t elem_bytes)
{
    if (elem_bytes == 1) {
        const int8_t *x = (const int8_t *)in;
        int8_t *y = (int8_t *)out;
        for (int32_t i = 0, k = at; i < n; i++, k += step) {
            y[i] = x[k];
        }
    } else if (elem_bytes == 2) {
        const int16_t *x = (const int16_t *)(const void *)in;
        int16_t *y = (int16_t *)(void *)out;
        for (int32_t i = 0, k = at; i < n; i++, k += step) {
            y[i] = x[k];
        }
    } else {
        const int32_t *x = (const int32_t *)(const void *)in;
        int32_t *y = (int32_t *)(void *)out;
        for (int32_t i = 0, k = at; i < n; i++, k += step) {
            y[i] = x[k];
        }
    }
}

void hil_strided_slice(const uint8_t *in, uint8_t *out, int32_t elem_bytes, const hil_slice_params_t *p)
{
    const int32_t *c = p->count, *s = p->step;
    const size_t row = (size_t)c[3] * (size_t)elem_bytes;
    for (int32_t i0 = 0; i0 < c[0]; i0++) {
        for (int32_t i1 = 0; i1 < c[1]; i1++) {
            for (int32_t i2 = 0; i2 < c[2]; i2++) {
                const int32_t at = p->base + i0 * s[0] + i1 * s[1] + i2 * s[2];
                if (s[3] == 1) { /* contiguous innermost run */
                    memmove(out, in + (size_t)at * (size_t)elem_bytes, row);
                } else {
                    gather_run(in, at, s[3], c[3], out, elem_bytes);
                }
                out += row;
            }
        }
    }
}
