#include <string.h>

#include "hil/kernels.h"
#include "simd_m4.h"

/* Every path ends in hil_fully_connected_s8_m4, so conv gets the FC core's
 * SMLAD blocking and its folded bias; output pixels go through it in pairs
 * (two input rows, its fastest form). The folded bias counts every tap,
 * padded or not, while TFLM skips padded taps; filling a padded tap with the
 * input zero point z makes it contribute (z + input_offset) * w = 0 to the
 * reference form, i.e. z * w to the folded one, which cancels its share
 * input_offset * w of the fold exactly (int32 arithmetic, wrapping). */

/* n bytes, a word at a time (newlib-nano's memcpy goes byte by byte). */
static void copy(int8_t *dst, const int8_t *src, int32_t n)
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

/* Output pixel p's receptive field, as [group][ky][kx][k_ch], into dst. */
static void gather(const int8_t *input, int8_t *dst, const hil_conv_geom_t *g, int32_t p, int8_t zero)
{
    const int32_t groups = g->in_ch / g->k_ch, k = g->k_h * g->k_w * g->k_ch;
    const int32_t ox = p % g->out_w, oy = (p / g->out_w) % g->out_h, b = p / (g->out_w * g->out_h);
    const int32_t y0 = oy * g->stride_h - g->pad_h, x0 = ox * g->stride_w - g->pad_w;
    const int8_t *image = input + b * g->in_h * g->in_w * g->in_ch;
    for (int32_t ky = 0; ky < g->k_h; ky++) {
        const int32_t iy = y0 + ky * g->dil_h;
        const int row_inside = iy >= 0 && iy < g->in_h;
        int8_t *row = dst + ky * g->k_w * g->k_ch;
        if (groups == 1 && g->dil_w == 1 && row_inside && x0 >= 0 && x0 + g->k_w <= g->in_w) {
            copy(row, image + (iy * g->in_w + x0) * g->in_ch, g->k_w * g->in_ch); /* a contiguous run */
            continue;
        }
        for (int32_t kx = 0; kx < g->k_w; kx++) {
            const int32_t ix = x0 + kx * g->dil_w;
            const int inside = row_inside && ix >= 0 && ix < g->in_w;
            for (int32_t grp = 0; grp < groups; grp++) {
                int8_t *tap = row + grp * k + kx * g->k_ch;
                if (inside) {
                    copy(tap, image + (iy * g->in_w + ix) * g->in_ch + grp * g->k_ch, g->k_ch);
                } else {
                    memset(tap, zero, (size_t)g->k_ch);
                }
            }
        }
    }
}

void hil_conv_s8_m4(const int8_t *input, const int8_t *weights, const int32_t *folded_bias, int8_t *output,
                    int32_t *scratch, const hil_conv_geom_t *g, const hil_act_quant_t *q,
                    const hil_channel_quant_t *cq, const hil_requant_t *rq)
{
    if (g->batches <= 0 || g->out_ch <= 0 || g->k_ch <= 0) {
        return;
    }
    if (hil_conv_pointwise(g)) {
        hil_fully_connected_s8_m4(input, weights, folded_bias, output, scratch, g->batches * g->in_h * g->in_w,
                                  g->in_ch, g->out_ch, q, cq, rq);
        return;
    }
    const int32_t groups = g->in_ch / g->k_ch, per_group = g->out_ch / groups, k = g->k_h * g->k_w * g->k_ch;
    const int32_t pixels = g->batches * g->out_h * g->out_w;
    const int8_t zero = (int8_t)(-q->input_offset);
    int8_t *fields = (int8_t *)scratch + HIL_FC_M4_SCRATCH(k, groups == 1 ? 2 : 1);
    int32_t p = 0;
    if (groups == 1) {
        for (; p + 2 <= pixels; p += 2) {
            gather(input, fields, g, p, zero);
            gather(input, fields + k, g, p + 1, zero);
            hil_fully_connected_s8_m4(fields, weights, folded_bias, output + p * g->out_ch, scratch, 2, k, g->out_ch,
                                      q, cq, rq);
        }
    }
    for (; p < pixels; p++) {
        gather(input, fields, g, p, zero);
        for (int32_t grp = 0; grp < groups; grp++) {
            const int32_t first = grp * per_group;
            const hil_channel_quant_t gq = {cq->multiplier + first, cq->shift + first};
            hil_fully_connected_s8_m4(fields + grp * k, weights + first * k, folded_bias + first,
                                      output + p * g->out_ch + first, scratch, 1, k, per_group, q, &gq,
                                      rq ? rq + first : NULL);
        }
    }
}
