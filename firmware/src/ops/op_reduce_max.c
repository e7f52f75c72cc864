/* REDUCE_MAX over any axes (keep_dims or not), int8 or int16: the largest raw
 * value, as TFLM (which requires input and output quantised alike; so does the
 * compiler). Parameters: hil/compile/ops/reduce.py (the walk). */
#include "elementwise_ops.h"

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const hil_reduce_walk_t *w = hil_op_params(m, op, sizeof(hil_reduce_walk_t));
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    if (w == NULL || op->n_inputs != 1u || op->n_outputs != 1u || !hil_ew_is_q(in) ||
        !hil_ew_all_dtype(m, op, in->dtype)) {
        return HIL_ERR_BAD_MODEL;
    }
    /* each output folds n_in / n_out inputs: the walk is a reduction, not a long loop over a few elements */
    const int32_t n_in = hil_tensor_elements(in), n_out = hil_tensor_elements(out);
    if (n_out < 1 || n_in % n_out != 0 || !hil_ew_count_ok(w->red_dims, n_in / n_out) ||
        !hil_ew_reduce_walk_ok(w, n_in, n_out)) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

HIL_EW_WALK_EVAL(eval_s8, hil_reduce_max_s8)
HIL_EW_WALK_EVAL(eval_s16, hil_reduce_max_s16)

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    const hil_reduce_walk_t *w = hil_op_params(m, op, sizeof(hil_reduce_walk_t));
    return hil_ew_unary_prepare(check(m, op), m, op, s, w, eval_s8, eval_s8, eval_s16);
}

HIL_OP_REGISTER(reduce_max, HIL_OP_REDUCE_MAX, prepare, hil_ew_unary_t);
