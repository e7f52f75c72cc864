#include "sigmoid_impl.h"

/* 1/256 steps from -128. */
void hil_logistic_s8(const int8_t *in, int8_t *out, int32_t n, const hil_sigmoid_params_t *p)
{
    HIL_SIGMOID_S8_REF(hil_fp_logistic, 8, -128);
}
