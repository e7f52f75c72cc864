/* Private to src/kernels: an output pixel's receptive field copied into
 * scratch as [group][ky][kx][k_ch], the padded taps filled with the input zero
 * point, for the optimised CONV_2D kernels (hil_conv_s8_m4, and the RISC-V
 * ports' hil_conv_s8_rv32), which run their FC kernels over the fields. */
#ifndef HIL_CONV_GATHER_H
#define HIL_CONV_GATHER_H

#include <string.h>

#include "hil/kernels.h"
#include "simd_m4.h"

/* n bytes, a word at a time (newlib-nano's memcpy goes byte by byte). */
__attribute__((always_inline)) static inline void copy(int8_t *dst, const int8_t *src, int32_t n)
{
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const int32_t v = hil_read_s8x4(src + i);
        memcpy(dst + i, &v, 4);
    }
    for (; i < n; i++) {
        dst[i] = src[i];
    }
}

/* n bytes of the zero point, from zp: the byte repeated four times. Words, then bytes taken from zp in
 * turn (written as a plain byte loop, GCC makes it a call to newlib-nano's byte-at-a-time memset). */
__attribute__((always_inline)) static inline void fill(int8_t *dst, uint32_t zp, int32_t n)
{
    for (; n >= 4; n -= 4, dst += 4) {
        memcpy(dst, &zp, 4);
    }
    for (; n > 0; n--, zp >>= 8) {
        *dst++ = (int8_t)zp;
    }
}

/* The taps of output pixel p's field inside the image along x, kx in [lo, hi), and the field's
 * top-left input coordinate (y0, x0). */
typedef struct {
    int32_t y0, x0, lo, hi;
    const int8_t *image;
} window_t;

__attribute__((always_inline)) static inline window_t window(const int8_t *input, const hil_conv_geom_t *g, int32_t p)
{
    const int32_t ox = p % g->out_w, oy = (p / g->out_w) % g->out_h, b = p / (g->out_w * g->out_h), d = g->dil_w;
    const int32_t x0 = ox * g->stride_w - g->pad_w, left = x0 < 0 ? (-x0 + d - 1) / d : 0;
    const int32_t reach = (g->in_w - x0 + d - 1) / d, lo = left < g->k_w ? left : g->k_w;
    const window_t w = {oy * g->stride_h - g->pad_h, x0, lo, reach < lo ? lo : (reach > g->k_w ? g->k_w : reach),
                        input + b * g->in_h * g->in_w * g->in_ch};
    return w;
}

/* A field that touches the padding, as [group][ky][kx][k_ch]: per kernel row the padded taps before
 * and after [lo, hi) filled, a row above or below the image filled whole. One group without
 * dilation along x copies each row's taps inside as one run. */
__attribute__((noinline)) static void gather_border(int8_t *dst, const hil_conv_geom_t *g, const window_t *w,
                                                    uint32_t zp)
{
    const int32_t groups = g->in_ch / g->k_ch, k = g->k_h * g->k_w * g->k_ch, kc = g->k_ch, row_bytes = g->k_w * kc;
    const int32_t d = g->dil_w, run = groups == 1 && d == 1, head = w->lo * kc, tail = (g->k_w - w->hi) * kc;
    for (int32_t ky = 0, iy = w->y0; ky < g->k_h; ky++, iy += g->dil_h, dst += row_bytes) {
        if (iy < 0 || iy >= g->in_h) {
            for (int32_t grp = 0; grp < groups; grp++) {
                fill(dst + grp * k, zp, row_bytes);
            }
            continue;
        }
        const int8_t *first = w->image + (iy * g->in_w + (w->hi > w->lo ? w->x0 + w->lo * d : 0)) * g->in_ch;
        for (int32_t grp = 0; grp < groups; grp++, first += kc) { /* first: tap lo of the group */
            int8_t *tap = dst + grp * k;
            fill(tap, zp, head);
            if (run) {
                copy(tap + head, first, (w->hi - w->lo) * kc);
            } else {
                for (int32_t kx = w->lo; kx < w->hi; kx++) {
                    copy(tap + kx * kc, first + (kx - w->lo) * d * g->in_ch, kc);
                }
            }
            fill(tap + row_bytes - tail, zp, tail);
        }
    }
}

/* Output pixel p's receptive field, as [group][ky][kx][k_ch], into dst; one of one group inside the
 * image (most pixels of most convs) is a copy per kernel row, or per tap when dilated along x. */
static void gather(const int8_t *input, int8_t *dst, const hil_conv_geom_t *g, int32_t p, uint32_t zp)
{
    const window_t w = window(input, g, p);
    const int32_t row_bytes = g->k_w * g->k_ch, last_y = w.y0 + (g->k_h - 1) * g->dil_h;
    if (g->k_ch != g->in_ch || w.lo != 0 || w.hi != g->k_w || w.y0 < 0 || last_y >= g->in_h) {
        gather_border(dst, g, &w, zp);
        return;
    }
    const int32_t step = g->dil_h * g->in_w * g->in_ch, tap = g->dil_w * g->in_ch;
    const int8_t *src = w.image + (w.y0 * g->in_w + w.x0) * g->in_ch;
    for (int32_t ky = g->k_h; ky > 0; ky--, src += step, dst += row_bytes) {
        if (g->dil_w == 1) {
            copy(dst, src, row_bytes);
            continue;
        }
        for (int32_t kx = 0; kx < g->k_w; kx++) {
            copy(dst + kx * g->in_ch, src + kx * tap, g->in_ch);
        }
    }
}

/* The body of an optimised CONV_2D (parameters input, weights, folded_bias, output, scratch, g, q, cq,
 * rq; hil/kernels.h) on a core's FC kernel FC (hil_fully_connected_s8_m4's arguments): a pointwise conv
 * is one FC over the pixels; any other gathers each output pixel's field into scratch (after the
 * HIL_FC_M4_SCRATCH bytes FC may use) and runs FC over the fields, two pixels at a time when there is
 * one group. The folded bias counts every tap, padded or not, while TFLM skips padded taps; filling a
 * padded tap with the input zero point z makes it contribute (z + input_offset) * w = 0 to the reference
 * form, i.e. z * w to the folded one, which cancels its share input_offset * w of the fold exactly
 * (int32 arithmetic, wrapping). A macro, like mac_impl.h's, so that the M4's compiles to the very code
 * it did when it was written out. */
#define HIL_CONV_BY_FIELDS(FC)                                                                                         \
    if (g->batches <= 0 || g->out_ch <= 0 || g->k_ch <= 0) {                                                           \
        return;                                                                                                        \
    }                                                                                                                  \
    if (hil_conv_pointwise(g)) {                                                                                       \
        FC(input, weights, folded_bias, output, scratch, g->batches * g->in_h * g->in_w, g->in_ch, g->out_ch, q, cq,   \
           rq);                                                                                                        \
        return;                                                                                                        \
    }                                                                                                                  \
    const int32_t groups = g->in_ch / g->k_ch, per_group = g->out_ch / groups, k = g->k_h * g->k_w * g->k_ch;          \
    const int32_t pixels = g->batches * g->out_h * g->out_w;                                                           \
    const uint32_t zp = ((uint32_t)-q->input_offset & 0xFFu) * 0x01010101u;                                            \
    int8_t *fields = (int8_t *)scratch + HIL_FC_M4_SCRATCH(k, groups == 1 ? 2 : 1);                                    \
    int32_t p = 0;                                                                                                     \
    if (groups == 1) {                                                                                                 \
        for (; p + 2 <= pixels; p += 2) {                                                                              \
            gather(input, fields, g, p, zp);                                                                           \
            gather(input, fields + k, g, p + 1, zp);                                                                   \
            FC(fields, weights, folded_bias, output + p * g->out_ch, scratch, 2, k, g->out_ch, q, cq, rq);             \
        }                                                                                                              \
    }                                                                                                                  \
    for (; p < pixels; p++) {                                                                                          \
        gather(input, fields, g, p, zp);                                                                               \
        for (int32_t grp = 0; grp < groups; grp++) {                                                                   \
            const int32_t first = grp * per_group;                                                                     \
            const hil_channel_quant_t gq = {cq->multiplier + first, cq->shift + first};                                \
            FC(fields + grp * k, weights + first * k, folded_bias + first, output + p * g->out_ch + first, scratch, 1, \
               k, per_group, q, &gq, rq ? rq + first : NULL);                                                          \
        }                                                                                                              \
    }

#endif
