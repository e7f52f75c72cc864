#include "../conv_gather.h"
#include "hil/kernels_rv32.h"

/* HIL_CONV_BY_FIELDS with the RV32 FC kernel: a pointwise conv (DS-CNN's) is one FC over the pixels,
 * taking four output channels and two pixels a pass; other convs gather each pixel's field (word copies),
 * two pixels at a time into the same pass. */

void hil_conv_s8_rv32(const int8_t *input, const int8_t *weights, const int32_t *folded_bias, int8_t *output,
                      int32_t *scratch, const hil_conv_geom_t *g, const hil_act_quant_t *q,
                      const hil_channel_quant_t *cq, const hil_requant_t *rq)
{
    HIL_CONV_BY_FIELDS(hil_fully_connected_s8_rv32)
}
