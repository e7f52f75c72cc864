#include "pool_impl.h"

void hil_max_pool_s8(const int8_t *in, int8_t *out, const hil_pool_t *p)
{
    HIL_MAX_POOL_REF(int8_t, INT8_MIN);
}
