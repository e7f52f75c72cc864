#include "mac_impl.h"

/* TFLM's reference_integer_ops::DepthwiseConvPerChannel (int8): padded taps
 * are skipped, not multiplied by a zero point. */
void hil_depthwise_conv_s8(const int8_t *input, const int8_t *weights, const int32_t *bias, int8_t *output,
                           const hil_conv_geom_t *g, const hil_act_quant_t *q, const hil_channel_quant_t *cq)
{
    HIL_DEPTHWISE_CONV_REF(S8);
}
