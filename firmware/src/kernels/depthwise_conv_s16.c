#include "mac_impl.h"

/* TFLM's reference_integer_ops::DepthwiseConvPerChannel for 16x8: int64
 * accumulator, no offsets; padded taps are skipped. */
void hil_depthwise_conv_s16(const int16_t *input, const int8_t *weights, const int64_t *bias, int16_t *output,
                            const hil_conv_geom_t *g, const hil_act_quant_t *q, const hil_channel_quant_t *cq)
{
    HIL_DEPTHWISE_CONV_REF(S16);
}
