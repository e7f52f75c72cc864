#include "hil/kernels.h"
#include "hil/qmath.h"

/* TFLM's reference_integer_ops::ConvPerChannel (int8), including groups:
 * padded taps are skipped, not multiplied by a zero point. */
void hil_conv_s8(const int8_t *input, const int8_t *weights, const int32_t *bias, int8_t *output,
                 const hil_conv_geom_t *g, const hil_act_quant_t *q, const hil_channel_quant_t *cq)
{
    if (g->k_ch <= 0 || g->out_ch <= 0) {
        return;
    }
    const int32_t filters_per_group = g->out_ch / (g->in_ch / g->k_ch);
    for (int32_t b = 0; b < g->batches; b++) {
        for (int32_t oy = 0; oy < g->out_h; oy++) {
            const int32_t y0 = oy * g->stride_h - g->pad_h;
            for (int32_t ox = 0; ox < g->out_w; ox++) {
                const int32_t x0 = ox * g->stride_w - g->pad_w;
                int8_t *out = output + ((b * g->out_h + oy) * g->out_w + ox) * g->out_ch;
                for (int32_t oc = 0; oc < g->out_ch; oc++) {
                    const int32_t group = oc / filters_per_group;
                    int32_t acc = 0;
                    for (int32_t ky = 0; ky < g->k_h; ky++) {
                        const int32_t iy = y0 + ky * g->dil_h;
                        for (int32_t kx = 0; kx < g->k_w; kx++) {
                            const int32_t ix = x0 + kx * g->dil_w;
                            if (ix < 0 || ix >= g->in_w || iy < 0 || iy >= g->in_h) {
                                continue;
                            }
                            const int8_t *x = input + ((b * g->in_h + iy) * g->in_w + ix) * g->in_ch + group * g->k_ch;
                            const int8_t *w = weights + ((oc * g->k_h + ky) * g->k_w + kx) * g->k_ch;
                            for (int32_t c = 0; c < g->k_ch; c++) {
                                acc += w[c] * (x[c] + q->input_offset);
                            }
                        }
                    }
                    if (bias) {
                        acc = hil_add_wrap(acc, bias[oc]);
                    }
                    acc = hil_add_wrap(hil_requantize(acc, cq->multiplier[oc], cq->shift[oc]), q->output_offset);
                    out[oc] = (int8_t)hil_clamp(acc, q->act_min, q->act_max);
                }
            }
        }
    }
}
