#include "pool_impl.h"

void hil_average_pool_s8(const int8_t *in, int8_t *out, const hil_pool_t *p)
{
    HIL_AVERAGE_POOL_REF(int8_t);
}
