#include <string.h>

#include "hil/kernels_elementwise.h"

void hil_resize_nearest(const uint8_t *in, uint8_t *out, int32_t elem_bytes, const hil_resize_params_t *p)
{
    const size_t pixel = (size_t)p->depth * (size_t)elem_bytes;
    const size_t row = (size_t)p->in_width * pixel;
    const int32_t *rows = p->maps, *cols = p->maps + p->out_height;
    for (int32_t b = 0; b < p->batches; b++) {
        const uint8_t *image = in + (size_t)b * (size_t)p->in_height * row;
        for (int32_t y = 0; y < p->out_height; y++) {
            const uint8_t *src = image + (size_t)rows[y] * row;
            for (int32_t x = 0; x < p->out_width; x++) {
                memmove(out, src + (size_t)cols[x] * pixel, pixel);
                out += pixel;
            }
        }
    }
}
