/* Private to src/kernels: the reference multiply-accumulate kernels
 * (hil/kernels.h) written once for int8 and 16x8. Each HIL_*_REF(S) macro is
 * the body of the kernels it is named for and uses their parameter names; S
 * (S8 or S16) picks what differs with the activation type:
 *   HIL_MAC_T_S, HIL_MAC_ACC_S  the activation and accumulator types
 *   HIL_MAC_X_S(x), _W_S(w)     the two factors of a product
 *   HIL_MAC_OUT_S(dst, acc, c)  bias, requantisation, zero point, clamp of channel c
 * They are macros, not inline functions, so that each kernel compiles to the
 * very code it did when it was written out: GCC's code for the M4 moves with
 * the operand order of the products and with inlined helpers. */
#ifndef HIL_MAC_IMPL_H
#define HIL_MAC_IMPL_H

#include "hil/kernels.h"
#include "hil/qmath.h"

/* int8: int32 sums of (x + input_offset) * w, TFLite requantisation with the output zero point. */
#define HIL_MAC_T_S8 int8_t
#define HIL_MAC_ACC_S8 int32_t
#define HIL_MAC_X_S8(x) ((int32_t)(x) + q->input_offset)
#define HIL_MAC_W_S8(w) ((int32_t)(w))
#define HIL_MAC_OUT_S8(dst, acc, c)                                                                            \
    do {                                                                                                       \
        if (bias) {                                                                                            \
            acc = hil_add_wrap(acc, bias[c]);                                                                  \
        }                                                                                                      \
        acc = hil_add_wrap(hil_requantize(acc, cq->multiplier[c], cq->shift[c]), q->output_offset);            \
        dst = (int8_t)hil_clamp(acc, q->act_min, q->act_max);                                                  \
    } while (0)

/* 16x8: int64 sums of x * w, int64 bias, the 64-bit requantisation, no zero points. */
#define HIL_MAC_T_S16 int16_t
#define HIL_MAC_ACC_S16 int64_t
#define HIL_MAC_X_S16(x) ((int64_t)(x))
#define HIL_MAC_W_S16(w) ((int64_t)(w))
#define HIL_MAC_OUT_S16(dst, acc, c)                                                                           \
    do {                                                                                                       \
        if (bias) {                                                                                            \
            acc = hil_add_wrap64(acc, bias[c]);                                                                \
        }                                                                                                      \
        const int32_t scaled = hil_requantize_s64(acc, cq->multiplier[c], cq->shift[c]);                       \
        dst = (int16_t)hil_clamp(scaled, q->act_min, q->act_max);                                              \
    } while (0)

/* hil_fully_connected_s8 / _s16: (input, weights, bias, output, batches, in_dim, out_dim, q, cq). */
#define HIL_FULLY_CONNECTED_REF(S)                                                                             \
    for (int32_t b = 0; b < batches; b++) {                                                                    \
        const HIL_MAC_T_##S *x = input + b * in_dim;                                                           \
        for (int32_t o = 0; o < out_dim; o++) {                                                                \
            const int8_t *w = weights + o * in_dim;                                                            \
            HIL_MAC_ACC_##S acc = 0;                                                                           \
            for (int32_t i = 0; i < in_dim; i++) {                                                             \
                acc += HIL_MAC_X_##S(x[i]) * HIL_MAC_W_##S(w[i]);                                              \
            }                                                                                                  \
            HIL_MAC_OUT_##S(output[b * out_dim + o], acc, o);                                                  \
        }                                                                                                      \
    }

/* hil_conv_s8 / _s16: (input, weights, bias, output, g, q, cq). TFLM's
 * ConvPerChannel with groups; padded taps are skipped, not multiplied by a
 * zero point. */
#define HIL_CONV_REF(S)                                                                                        \
    if (g->k_ch <= 0 || g->out_ch <= 0) {                                                                      \
        return;                                                                                                \
    }                                                                                                          \
    const int32_t filters_per_group = g->out_ch / (g->in_ch / g->k_ch);                                        \
    for (int32_t b = 0; b < g->batches; b++) {                                                                 \
        for (int32_t oy = 0; oy < g->out_h; oy++) {                                                            \
            const int32_t y0 = oy * g->stride_h - g->pad_h;                                                    \
            for (int32_t ox = 0; ox < g->out_w; ox++) {                                                        \
                const int32_t x0 = ox * g->stride_w - g->pad_w;                                                \
                HIL_MAC_T_##S *out = output + ((b * g->out_h + oy) * g->out_w + ox) * g->out_ch;               \
                for (int32_t oc = 0; oc < g->out_ch; oc++) {                                                   \
                    const int32_t group = oc / filters_per_group;                                              \
                    HIL_MAC_ACC_##S acc = 0;                                                                   \
                    for (int32_t ky = 0; ky < g->k_h; ky++) {                                                  \
                        const int32_t iy = y0 + ky * g->dil_h;                                                 \
                        for (int32_t kx = 0; kx < g->k_w; kx++) {                                              \
                            const int32_t ix = x0 + kx * g->dil_w;                                             \
                            if (ix < 0 || ix >= g->in_w || iy < 0 || iy >= g->in_h) {                          \
                                continue;                                                                      \
                            }                                                                                  \
                            const HIL_MAC_T_##S *x =                                                           \
                                input + ((b * g->in_h + iy) * g->in_w + ix) * g->in_ch + group * g->k_ch;      \
                            const int8_t *w = weights + ((oc * g->k_h + ky) * g->k_w + kx) * g->k_ch;          \
                            for (int32_t c = 0; c < g->k_ch; c++) {                                            \
                                acc += HIL_MAC_W_##S(w[c]) * HIL_MAC_X_##S(x[c]);                              \
                            }                                                                                  \
                        }                                                                                      \
                    }                                                                                          \
                    HIL_MAC_OUT_##S(out[oc], acc, oc);                                                         \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
    }

/* hil_depthwise_conv_s8 / _s16: (input, weights, bias, output, g, q, cq).
 * TFLM's DepthwiseConvPerChannel; padded taps are skipped. */
#define HIL_DEPTHWISE_CONV_REF(S)                                                                              \
    if (g->out_ch <= 0 || g->depth_multiplier <= 0) {                                                          \
        return;                                                                                                \
    }                                                                                                          \
    for (int32_t b = 0; b < g->batches; b++) {                                                                 \
        for (int32_t oy = 0; oy < g->out_h; oy++) {                                                            \
            for (int32_t ox = 0; ox < g->out_w; ox++) {                                                        \
                HIL_MAC_T_##S *out = output + ((b * g->out_h + oy) * g->out_w + ox) * g->out_ch;               \
                for (int32_t ic = 0; ic < g->in_ch; ic++) {                                                    \
                    for (int32_t m = 0; m < g->depth_multiplier; m++) {                                        \
                        const int32_t oc = m + ic * g->depth_multiplier;                                       \
                        const int32_t x0 = ox * g->stride_w - g->pad_w;                                        \
                        const int32_t y0 = oy * g->stride_h - g->pad_h;                                        \
                        HIL_MAC_ACC_##S acc = 0;                                                               \
                        for (int32_t ky = 0; ky < g->k_h; ky++) {                                              \
                            for (int32_t kx = 0; kx < g->k_w; kx++) {                                          \
                                const int32_t ix = x0 + g->dil_w * kx;                                         \
                                const int32_t iy = y0 + g->dil_h * ky;                                         \
                                if (ix >= 0 && ix < g->in_w && iy >= 0 && iy < g->in_h) {                      \
                                    const int32_t xv =                                                         \
                                        input[((b * g->in_h + iy) * g->in_w + ix) * g->in_ch + ic];            \
                                    const int32_t wv = weights[(ky * g->k_w + kx) * g->out_ch + oc];           \
                                    acc += HIL_MAC_W_##S(wv) * HIL_MAC_X_##S(xv);                              \
                                }                                                                              \
                            }                                                                                  \
                        }                                                                                      \
                        HIL_MAC_OUT_##S(out[oc], acc, oc);                                                     \
                    }                                                                                          \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
    }

#endif
