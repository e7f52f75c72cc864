#include "hil/kernels.h"
#include "hil/qmath.h"

void hil_fully_connected_s8(const int8_t *input, const int8_t *weights, const int32_t *bias, int8_t *output,
                            int32_t batches, int32_t in_dim, int32_t out_dim, const hil_act_quant_t *q,
                            const hil_channel_quant_t *cq)
{
    for (int32_t b = 0; b < batches; b++) {
        const int8_t *x = input + b * in_dim;
        for (int32_t o = 0; o < out_dim; o++) {
            const int8_t *w = weights + o * in_dim;
            int32_t acc = 0;
            for (int32_t i = 0; i < in_dim; i++) {
                acc += ((int32_t)x[i] + q->input_offset) * (int32_t)w[i];
            }
            if (bias) {
                acc = hil_add_wrap(acc, bias[o]);
            }
            acc = hil_add_wrap(hil_requantize(acc, cq->multiplier[o], cq->shift[o]), q->output_offset);
            output[b * out_dim + o] = (int8_t)hil_clamp(acc, q->act_min, q->act_max);
        }
    }
}
