#include "mac_impl.h"

/* TFLM's reference_integer_ops::FullyConnected (int8). */
void hil_fully_connected_s8(const int8_t *input, const int8_t *weights, const int32_t *bias, int8_t *output,
                            int32_t batches, int32_t in_dim, int32_t out_dim, const hil_act_quant_t *q,
                            const hil_channel_quant_t *cq)
{
    HIL_FULLY_CONNECTED_REF(S8);
}
