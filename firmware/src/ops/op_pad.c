/* PAD and PADV2, int8 or int16, up to 4-D: the paddings (constant, as TFLM
 * requires) and the pad value (the output zero point for int8 PAD, 0 for
 * int16 PAD, PADV2's constant) are resolved on the host
 * (hil/compile/ops/pad.py). */
#include "elementwise_ops.h"
#include "hil/kernels_pool.h"

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const hil_pad_params_t *p = hil_op_params(m, op, sizeof(hil_pad_params_t));
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    if (p == NULL || op->n_inputs != 1u || op->n_outputs != 1u || !hil_ew_is_q(in) ||
        !hil_ew_all_dtype(m, op, in->dtype) ||
        !hil_ew_in_range(p->value, hil_ew_qmin(in->dtype), hil_ew_qmax(in->dtype))) {
        return HIL_ERR_BAD_MODEL;
    }
    const int64_t n_in = hil_tensor_elements(in), n_out = hil_tensor_elements(out);
    int64_t in_total = 1, out_total = 1;
    for (int k = 0; k < 4; k++) {
        /* every factor is at most n_out < 2^31 and the running products are checked */
        if (p->in_dims[k] <= 0 || p->before[k] < 0 || p->after[k] < 0 || p->before[k] > n_out ||
            p->after[k] > n_out) {
            return HIL_ERR_BAD_MODEL;
        }
        in_total *= p->in_dims[k];
        out_total *= (int64_t)p->in_dims[k] + p->before[k] + p->after[k];
        if (in_total > n_in || out_total > n_out) {
            return HIL_ERR_BAD_MODEL;
        }
    }
    return in_total == n_in && out_total == n_out ? HIL_OK : HIL_ERR_BAD_MODEL;
}

HIL_EW_UNARY_EVAL(eval, hil_pad)

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    return hil_ew_move_prepare(check(m, op), m, op, s, hil_op_params(m, op, sizeof(hil_pad_params_t)), eval);
}

HIL_OP_REGISTER(pad, HIL_OP_PAD, prepare, hil_ew_unary_t);
