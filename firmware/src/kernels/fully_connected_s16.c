#include "mac_impl.h"

/* TFLM's 16x8 FullyConnected: int64 accumulator, offsets all zero. */
void hil_fully_connected_s16(const int16_t *input, const int8_t *weights, const int64_t *bias, int16_t *output,
                             int32_t batches, int32_t in_dim, int32_t out_dim, const hil_act_quant_t *q,
                             const hil_channel_quant_t *cq)
{
    if (batches <= 0 || in_dim <= 0 || out_dim <= 0) {
        return;
    }
    HIL_FULLY_CONNECTED_REF(S16);
}
