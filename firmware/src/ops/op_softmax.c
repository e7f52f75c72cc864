/* SOFTMAX over the last axis, int8 in and out (output scale 1/256, zero point
 * -128), TFLM's gemmlowp fixed-point algorithm. Parameters:
 * hil/compile/ops/activations.py. */
#include "elementwise_ops.h"

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const hil_softmax_params_t *p = hil_op_params(m, op, sizeof(hil_softmax_params_t));
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    if (p == NULL || op->n_inputs != 1u || op->n_outputs != 1u || !hil_ew_all_dtype(m, op, HIL_DTYPE_INT8) ||
        in->ndim < 1u || hil_tensor_elements(in) != hil_tensor_elements(out) || p->depth != in->dims[in->ndim - 1u] ||
        !hil_ew_in_range(p->depth, 1, 4095) || p->input_multiplier < 0 ||
        !hil_ew_in_range(p->input_left_shift, 0, 31) || p->diff_min > 0) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

HIL_EW_UNARY_EVAL(eval, hil_softmax_s8)

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    const hil_softmax_params_t *p = hil_op_params(m, op, sizeof(hil_softmax_params_t));
    hil_status_t st = hil_ew_unary_prepare(check(m, op), m, op, s, p, eval, eval, eval);
    if (st == HIL_OK) {
        ((hil_ew_unary_t *)(void *)s)->n /= p->depth; /* the kernel takes rows */
    }
    return st;
}

HIL_OP_REGISTER(softmax, HIL_OP_SOFTMAX, prepare, hil_ew_unary_t);
