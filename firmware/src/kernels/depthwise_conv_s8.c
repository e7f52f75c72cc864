#include "hil/kernels.h"
#include "hil/qmath.h"

/* TFLM's reference_integer_ops::DepthwiseConvPerChannel (int8): padded taps
 * are skipped, not multiplied by a zero point. */
void hil_depthwise_conv_s8(const int8_t *input, const int8_t *weights, const int32_t *bias, int8_t *output,
                           const hil_conv_geom_t *g, const hil_act_quant_t *q, const hil_channel_quant_t *cq)
{
    if (g->out_ch <= 0 || g->depth_multiplier <= 0) {
        return;
    }
    for (int32_t b = 0; b < g->batches; b++) {
        for (int32_t oy = 0; oy < g->out_h; oy++) {
            for (int32_t ox = 0; ox < g->out_w; ox++) {
                int8_t *out = output + ((b * g->out_h + oy) * g->out_w + ox) * g->out_ch;
                for (int32_t ic = 0; ic < g->in_ch; ic++) {
                    for (int32_t m = 0; m < g->depth_multiplier; m++) {
                        const int32_t oc = m + ic * g->depth_multiplier;
                        const int32_t x0 = ox * g->stride_w - g->pad_w;
                        const int32_t y0 = oy * g->stride_h - g->pad_h;
                        int32_t acc = 0;
                        for (int32_t ky = 0; ky < g->k_h; ky++) {
                            for (int32_t kx = 0; kx < g->k_w; kx++) {
                                const int32_t ix = x0 + g->dil_w * kx;
                                const int32_t iy = y0 + g->dil_h * ky;
                                if (ix >= 0 && ix < g->in_w && iy >= 0 && iy < g->in_h) {
                                    int32_t xv = input[((b * g->in_h + iy) * g->in_w + ix) * g->in_ch + ic];
                                    int32_t wv = weights[(ky * g->k_w + kx) * g->out_ch + oc];
                                    acc += wv * (xv + q->input_offset);
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
}
