#include "pool_impl.h"

void hil_max_pool_s16(const int16_t *in, int16_t *out, const hil_pool_t *p)
{
    HIL_MAX_POOL_REF(int16_t, INT16_MIN);
}
