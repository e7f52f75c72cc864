#include "reduce_impl.h"

void hil_mean_s8(const int8_t *in, int8_t *out, const hil_mean_params_t *p)
{
    HIL_MEAN_REF(int8_t, INT8_MIN, INT8_MAX);
}
