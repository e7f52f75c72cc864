/* MEAN over any axes (keep_dims or not), int8 or int16, as TFLM's reduce
 * MEAN: an int32 sum requantised with 1/count folded into the multiplier.
 * Parameters: hil/compile/ops/reduce.py. */
#include "elementwise_ops.h"

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const hil_mean_params_t *p = hil_op_params(m, op, sizeof(hil_mean_params_t));
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    if (p == NULL || op->n_inputs != 1u || op->n_outputs != 1u || !hil_ew_is_q(in) ||
        !hil_ew_all_dtype(m, op, in->dtype) ||
        !hil_ew_reduce_walk_ok(&p->walk, hil_tensor_elements(in), hil_tensor_elements(out)) || p->count <= 0 ||
        !hil_ew_count_ok(p->walk.red_dims, p->count) || !hil_ew_mult_ok(p->multiplier, p->shift) ||
        !hil_ew_in_range(p->input_zero_point, hil_ew_qmin(in->dtype), hil_ew_qmax(in->dtype)) ||
        !hil_ew_in_range(p->output_zero_point, hil_ew_qmin(in->dtype), hil_ew_qmax(in->dtype))) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

HIL_EW_WALK_EVAL(eval_s8, hil_mean_s8)
HIL_EW_WALK_EVAL(eval_s16, hil_mean_s16)

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    const hil_mean_params_t *p = hil_op_params(m, op, sizeof(hil_mean_params_t));
    return hil_ew_unary_prepare(check(m, op), m, op, s, p, eval_s8, eval_s8, eval_s16);
}

HIL_OP_REGISTER(mean, HIL_OP_MEAN, prepare, hil_ew_unary_t);
