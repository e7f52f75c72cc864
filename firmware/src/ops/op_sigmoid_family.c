/* LOGISTIC and TANH, int8 (gemmlowp fixed point) or int16 (sigmoid table), as
 * TFLM's reference kernels. Both take the same record and the same checks. An
 * int8 record carries the op's 256 outputs as a table too, which the
 * optimised path looks up (a hundredth of the instructions); prepare checks
 * the table against the reference kernel on every input. Parameters:
 * hil/compile/ops/activations.py. */
#include "elementwise_ops.h"

HIL_EW_UNARY_EVAL(eval_logistic_s8, hil_logistic_s8)
HIL_EW_UNARY_EVAL(eval_logistic_s16, hil_logistic_s16)
HIL_EW_UNARY_EVAL(eval_tanh_s8, hil_tanh_s8)
HIL_EW_UNARY_EVAL(eval_tanh_s16, hil_tanh_s16)
HIL_EW_LUT_EVAL(eval_lut, sizeof(hil_sigmoid_params_t))

/* The record for the op's dtype (int8: followed by its table), or NULL. */
static const hil_sigmoid_params_t *params(const hil_model_t *m, const hil_op_t *op)
{
    return hil_ew_record_with_table(m, op, sizeof(hil_sigmoid_params_t));
}

static hil_status_t check(const hil_model_t *m, const hil_op_t *op, hil_op_eval_t ref_s8)
{
    const hil_sigmoid_params_t *p = params(m, op);
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    if (p == NULL || op->n_inputs != 1u || op->n_outputs != 1u || !hil_ew_is_q(in) ||
        !hil_ew_all_dtype(m, op, in->dtype) || hil_tensor_elements(in) != hil_tensor_elements(out)) {
        return HIL_ERR_BAD_MODEL;
    }
    if (in->dtype == HIL_DTYPE_INT8) {
        if (!hil_ew_in_range(p->input_zero_point, INT8_MIN, INT8_MAX) || p->input_range_radius < 0 ||
            !hil_ew_mult_ok(p->input_multiplier, p->input_shift) ||
            !hil_ew_table_ok((const int8_t *)(p + 1), ref_s8, p)) {
            return HIL_ERR_BAD_MODEL;
        }
    } else if (p->input_multiplier == 0 ? !hil_ew_in_range(p->input_shift, 0, 1)
                                        : !hil_ew_in_range(p->input_multiplier, 1, INT16_MAX) ||
                                              !hil_ew_in_range(p->input_shift, 0, 31)) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s, hil_op_eval_t s8,
                            hil_op_eval_t s16)
{
    return hil_ew_unary_prepare(check(m, op, s8), m, op, s, params(m, op), eval_lut, s8, s16);
}

static hil_status_t prepare_logistic(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    return prepare(m, op, s, eval_logistic_s8, eval_logistic_s16);
}

static hil_status_t prepare_tanh(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    return prepare(m, op, s, eval_tanh_s8, eval_tanh_s16);
}

HIL_OP_REGISTER(logistic, HIL_OP_LOGISTIC, prepare_logistic, hil_ew_unary_t);
HIL_OP_REGISTER(tanh, HIL_OP_TANH, prepare_tanh, hil_ew_unary_t);
