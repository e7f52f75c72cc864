#include <string.h>

#include "hil/kernels_pool.h"

typedef struct {
    const hil_pad_params_t *p;
    int32_t elem_bytes;
    int32_t slice[4]; /* output elements in one step of axis k (the product of the output extents after k) */
    const uint8_t *in;
} pad_walk_t;

static uint8_t *fill(uint8_t *out, int32_t n, const pad_walk_t *w)
{
    if (w->elem_bytes == 1) {
        memset(out, w->p->value, (size_t)n);
        return out + n;
    }
    const int16_t v = (int16_t)w->p->value;
    for (int32_t i = 0; i < n; i++, out += 2) {
        memcpy(out, &v, 2);
    }
    return out;
}

/* Axis k of the output from `out` on: padding before, the input's slices (the
 * innermost axis copied in one run), padding after. */
static uint8_t *pad_axis(pad_walk_t *w, int k, uint8_t *out)
{
    const hil_pad_params_t *p = w->p;
    out = fill(out, p->before[k] * w->slice[k], w);
    if (k == 3) {
        const size_t run = (size_t)p->in_dims[3] * (size_t)w->elem_bytes;
        memmove(out, w->in, run);
        w->in += run, out += run;
    } else {
        for (int32_t i = 0; i < p->in_dims[k]; i++) {
            out = pad_axis(w, k + 1, out);
        }
    }
    return fill(out, p->after[k] * w->slice[k], w);
}

void hil_pad(const void *in, void *out, int32_t elem_bytes, const hil_pad_params_t *p)
{
    pad_walk_t w = {p, elem_bytes, {0, 0, 0, 1}, in};
    for (int k = 2; k >= 0; k--) {
        w.slice[k] = w.slice[k + 1] * (p->in_dims[k + 1] + p->before[k + 1] + p->after[k + 1]);
    }
    pad_axis(&w, 0, out);
}
