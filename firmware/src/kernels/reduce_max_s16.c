#include "reduce_impl.h"

void hil_reduce_max_s16(const int16_t *in, int16_t *out, const hil_reduce_walk_t *w)
{
    HIL_REDUCE_MAX_REF(int16_t, INT16_MIN)
}
