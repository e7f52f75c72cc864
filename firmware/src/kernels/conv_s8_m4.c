#include "conv_gather.h"
#include "hil/kernels.h"
#include "simd_m4.h"

/* HIL_CONV_BY_FIELDS with the M4 FC kernel: conv gets its SMLAD blocking and its folded bias; output
 * pixels go through it in pairs (two input rows, its fastest form). */

void hil_conv_s8_m4(const int8_t *input, const int8_t *weights, const int32_t *folded_bias, int8_t *output,
                    int32_t *scratch, const hil_conv_geom_t *g, const hil_act_quant_t *q,
                    const hil_channel_quant_t *cq, const hil_requant_t *rq)
{
    HIL_CONV_BY_FIELDS(hil_fully_connected_s8_m4)
}
