#include "reduce_impl.h"

void hil_reduce_max_s8(const int8_t *in, int8_t *out, const hil_reduce_walk_t *w)
{
    HIL_REDUCE_MAX_REF(int8_t, INT8_MIN)
}
