#include "mac_impl.h"

/* TFLM's reference_integer_ops::ConvPerChannel for 16x8 (int64 accumulator,
 * no offsets), including groups; padded taps are skipped. */
void hil_conv_s16(const int16_t *input, const int8_t *weights, const int64_t *bias, int16_t *output,
                  const hil_conv_geom_t *g, const hil_act_quant_t *q, const hil_channel_quant_t *cq)
{
    HIL_CONV_REF(S16);
}
