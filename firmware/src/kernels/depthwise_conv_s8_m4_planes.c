/* The planes and channel set-up of the 3-wide depthwise path (depthwise_conv_s8_m4_k3.c). */
#include <string.h>

#include "depthwise_m4.h"
#include "simd_m4.h"

/* One column of four channels from src into the planes at o. */
static inline void one(const int8_t *src, int16_t *o, int32_t plane)
{
    const int32_t v = hil_read_s8x4(src), e = hil_sxtb16(v), od = hil_sxtb16_ror8(v);
    o[0] = (int16_t)e, o[2 * plane] = (int16_t)(e >> 16), o[plane] = (int16_t)od, o[3 * plane] = (int16_t)(od >> 16);
}

/* rows rows (in_row bytes, row int16s apart) of count columns of four channels a dilation
 * apart (step bytes) from src to o (plane P int16s apart): the first alone if o is not on a
 * word, then two a word, (x, x + d) of each channel. */
__attribute__((always_inline)) static inline void rows4(const int8_t *src, int16_t *o, int32_t rows, int32_t count,
                                                       const hil_dw_planes_t *p, int32_t in_row)
{
    const int32_t head = ((uintptr_t)o & 3u) != 0u, pairs = (count - head) >> 1, tail = (count - head) & 1;
    const int32_t step = p->g->dil_w * p->g->in_ch, P = p->plane, row = p->row;
    for (; rows > 0; rows--, src += in_row - (head + 2 * pairs) * step, o += row - head - 2 * pairs) {
        if (head) {
            one(src, o, P), o++, src += step;
        }
        for (int32_t k = pairs; k > 0; k--, o += 2, src += 2 * step) {
            const int32_t v0 = hil_read_s8x4(src), v1 = hil_read_s8x4(src + step);
            const int32_t e0 = hil_sxtb16(v0), e1 = hil_sxtb16(v1), o0 = hil_sxtb16_ror8(v0);
            const int32_t o1 = hil_sxtb16_ror8(v1), w0 = hil_pkhbt(e0, e1), w1 = hil_pkhbt(o0, o1);
            const int32_t w2 = hil_pkhtb(e1, e0), w3 = hil_pkhtb(o1, o0);
            memcpy(o, &w0, sizeof(w0));
            memcpy(o + P, &w1, sizeof(w1));
            memcpy(o + 2 * P, &w2, sizeof(w2));
            memcpy(o + 3 * P, &w3, sizeof(w3));
        }
        if (tail) {
            one(src, o, P);
        }
    }
}

/* Channels [c0, c0 + n) of one image (n <= 4) into the planes at dst: each image row's columns
 * ix = phase - pad_w + d * i (mod d) go to position i of its phase row. The rest, where the taps
 * leave the image, is never written: filled once a call. */
void hil_dw_copy_planes(const int8_t *image, int32_t c0, int32_t n, const hil_dw_planes_t *p, int16_t *dst)
{
    const hil_conv_geom_t *g = p->g;
    const int32_t d = g->dil_w, step = d * g->in_ch, P = p->plane, in_row = g->in_w * g->in_ch;
    const int32_t rows = g->pad_h + g->in_h < p->rows ? g->in_h : p->rows - g->pad_h;
    for (int32_t phase = 0; phase < d; phase++) {
        const int32_t ix = ((phase - g->pad_w) % d + d) % d, at = (ix + g->pad_w) / d; /* the first column */
        const int32_t count = (g->in_w - ix + d - 1) / d < p->len - at ? (g->in_w - ix + d - 1) / d : p->len - at;
        const int8_t *src = image + ix * g->in_ch + c0;
        int16_t *o = dst + g->pad_h * p->row + phase * p->len + at;
        if (n == 4 && count > 0) {
            rows4(src, o, rows, count, p, in_row);
            continue;
        }
        for (int32_t r = count > 0 ? rows : 0; r > 0; r--, src += in_row, o += p->row) {
            for (int32_t i = 0; i < count; i++) {
                for (int32_t k = 0; k < n; k++) {
                    o[i + k * P] = src[i * step + k];
                }
            }
        }
    }
}
