#include "reduce_impl.h"

void hil_mean_s16(const int16_t *in, int16_t *out, const hil_mean_params_t *p)
{
    HIL_MEAN_REF(int16_t, INT16_MIN, INT16_MAX);
}
