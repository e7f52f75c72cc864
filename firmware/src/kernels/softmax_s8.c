#include "hil/kernels_elementwise.h"
#include "hil/qmath_ext.h"

/* exp((x - max) * beta * scale) in Q0.31 for a difference >= diff_min. */
static inline int32_t exp_of_diff(int32_t diff, const hil_softmax_params_t *p)
{
    const int32_t scaled = hil_sat_rounding_doubling_high_mul(hil_wshl(diff, p->input_left_shift), p->input_multiplier);
    return hil_fp_exp_on_negative_values(scaled, 5); /* Q5.26 in */
}

void hil_softmax_s8(const int8_t *in, int8_t *out, int32_t rows, const hil_softmax_params_t *p)
{
    const int32_t depth = p->depth;
    for (int32_t r = 0; r < rows; r++) {
        const int8_t *x = in + r * depth;
        int8_t *y = out + r * depth;
        int32_t max = INT8_MIN;
        for (int32_t c = 0; c < depth; c++) {
            max = x[c] > max ? x[c] : max;
        }
        int32_t sum = 0; /* Q12.19 */
        for (int32_t c = 0; c < depth; c++) {
            const int32_t diff = (int32_t)x[c] - max;
            if (diff >= p->diff_min) {
                sum = hil_wadd(sum, hil_rounding_divide_by_pot(exp_of_diff(diff, p), 12));
            }
        }
        int bits_over_unit;
        const int32_t scale = hil_fp_reciprocal(sum, 12, &bits_over_unit);
        const int exponent = bits_over_unit + 31 - 8;
        for (int32_t c = 0; c < depth; c++) {
            const int32_t diff = (int32_t)x[c] - max;
            int32_t v = INT8_MIN;
            if (diff >= p->diff_min) {
                const int32_t prob = hil_sat_rounding_doubling_high_mul(scale, exp_of_diff(diff, p));
                /* exponent > 31 (a sum above 2^8, where TFLM stops on a check) rounds to 0 */
                const int32_t unsat = exponent <= 31 ? hil_rounding_divide_by_pot(prob, exponent) : 0;
                v = hil_clamp(unsat + INT8_MIN, INT8_MIN, INT8_MAX);
            }
            y[c] = (int8_t)v;
        }
    }
}
