#include "hil/kernels.h"
#include "hil/qmath.h"

/* TFLM's 16x8 FullyConnected: int64 accumulator, offsets all zero. */
void hil_fully_connected_s16(const int16_t *input, const int8_t *weights, const int64_t *bias, int16_t *output,
                             int32_t batches, int32_t in_dim, int32_t out_dim, const hil_act_quant_t *q,
                             const hil_channel_quant_t *cq)
{
    if (batches <= 0 || in_dim <= 0 || out_dim <= 0) {
        return;
    }
    for (int32_t b = 0; b < batches; b++) {
        const int16_t *x = input + b * in_dim;
        for (int32_t o = 0; o < out_dim; o++) {
            const int8_t *w = weights + o * in_dim;
            int64_t acc = 0;
            for (int32_t i = 0; i < in_dim; i++) {
                acc += (int64_t)x[i] * (int64_t)w[i];
            }
            if (bias) {
                acc = hil_add_wrap64(acc, bias[o]);
            }
            int32_t out = hil_requantize_s64(acc, cq->multiplier[o], cq->shift[o]);
            output[b * out_dim + o] = (int16_t)hil_clamp(out, q->act_min, q->act_max);
        }
    }
}
