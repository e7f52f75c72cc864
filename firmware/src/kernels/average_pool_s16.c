#include "pool_impl.h"

void hil_average_pool_s16(const int16_t *in, int16_t *out, const hil_pool_t *p)
{
    HIL_AVERAGE_POOL_REF(int16_t);
}
