/* LEAKY_RELU, int8 or int16: two requantisations, by the identity and by
 * alpha (either sign). An int8 record carries the op's 256 outputs as a table
 * too: the optimised path looks them up (a tenth of the instructions), and
 * prepare checks the table against the reference kernel on every input, so
 * both paths give the same bytes whatever the blob says. Parameters:
 * hil/compile/ops/rectifiers.py. */
#include "elementwise_ops.h"

typedef struct {
    hil_leaky_relu_params_t q;
    int8_t table[256]; /* int8 only: the outputs for inputs -128..127 */
} leaky_relu_s8_params_t;

/* The record for the op's dtype (int8: followed by its table), or NULL. */
static const hil_leaky_relu_params_t *params(const hil_model_t *m, const hil_op_t *op)
{
    return hil_ew_record_with_table(m, op, sizeof(hil_leaky_relu_params_t));
}

HIL_EW_UNARY_EVAL(eval_s16, hil_leaky_relu_s16)
HIL_EW_UNARY_EVAL(eval_s8, hil_leaky_relu_s8)
HIL_EW_LUT_EVAL(eval_lut, sizeof(hil_leaky_relu_params_t))

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    if (op->n_inputs != 1u || op->n_outputs != 1u || !hil_ew_is_q(in) || !hil_ew_all_dtype(m, op, in->dtype) ||
        hil_tensor_elements(in) != hil_tensor_elements(out)) {
        return HIL_ERR_BAD_MODEL;
    }
    const hil_leaky_relu_params_t *p = params(m, op);
    const int32_t lo = hil_ew_qmin(in->dtype), hi = hil_ew_qmax(in->dtype);
    if (p == NULL || !hil_ew_in_range(p->input_zero_point, lo, hi) || !hil_ew_in_range(p->output_zero_point, lo, hi) ||
        !hil_ew_mult_ok(p->multiplier_identity, p->shift_identity) || p->multiplier_alpha == INT32_MIN ||
        !hil_ew_shift_ok(p->shift_alpha)) {
        return HIL_ERR_BAD_MODEL;
    }
    return in->dtype == HIL_DTYPE_INT16 || hil_ew_table_ok(((const leaky_relu_s8_params_t *)(const void *)p)->table,
                                                           eval_s8, p)
               ? HIL_OK
               : HIL_ERR_BAD_MODEL;
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    return hil_ew_unary_prepare(check(m, op), m, op, s, params(m, op), eval_lut, eval_s8, eval_s16);
}

HIL_OP_REGISTER(leaky_relu, HIL_OP_LEAKY_RELU, prepare, hil_ew_unary_t);
