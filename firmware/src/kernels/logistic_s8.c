#include "hil/kernels_elementwise.h"
#include "hil/qmath_ext.h"

void hil_logistic_s8(const int8_t *in, int8_t *out, int32_t n, const hil_sigmoid_params_t *p)
{
    for (int32_t i = 0; i < n; i++) {
        const int32_t x = (int32_t)in[i] - p->input_zero_point;
        if (x <= -p->input_range_radius) {
            out[i] = INT8_MIN;
        } else if (x >= p->input_range_radius) {
            out[i] = INT8_MAX;
        } else {
            const int32_t x_q4 = hil_requantize(x, p->input_multiplier, p->input_shift); /* Q4.27 */
            const int32_t y_q0 = hil_fp_logistic(x_q4, 4);                               /* Q0.31 */
            const int32_t y = hil_rounding_divide_by_pot(y_q0, 31 - 8) - 128;
            out[i] = (int8_t)hil_clamp(y, INT8_MIN, INT8_MAX);
        }
    }
}
