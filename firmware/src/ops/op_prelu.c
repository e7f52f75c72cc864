/* PRELU, int8 or int16 input with int8 alpha (as TFLM), alpha broadcast over
 * the input. Parameters: hil/compile/ops/rectifiers.py. */
#include "elementwise_ops.h"
#include "hil/kernels_activation.h"

typedef struct {
    hil_broadcast_t bc;
    hil_prelu_params_t q;
} prelu_params_t;

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const prelu_params_t *p = hil_op_params(m, op, sizeof(prelu_params_t));
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *alpha = hil_op_tensor(m, op, 1), *out = hil_op_output(m, op, 0);
    if (p == NULL || op->n_inputs != 2u || op->n_outputs != 1u || !hil_ew_is_q(in) || out == NULL ||
        out->dtype != in->dtype || !hil_tensor_is(alpha, HIL_DTYPE_INT8, -1) ||
        !hil_ew_broadcast_ok(&p->bc, in, alpha, out)) {
        return HIL_ERR_BAD_MODEL;
    }
    /* |x + input_offset| <= 65535 and |alpha + alpha_offset| <= 255: the product fits in int32 */
    const hil_prelu_params_t *q = &p->q;
    if (!hil_ew_offset_ok(q->input_offset, in->dtype) || !hil_ew_offset_ok(q->alpha_offset, HIL_DTYPE_INT8) ||
        !hil_ew_in_range(q->output_offset, hil_ew_qmin(out->dtype), hil_ew_qmax(out->dtype)) ||
        !hil_ew_mult_ok(q->multiplier_identity, q->shift_identity) ||
        !hil_ew_mult_ok(q->multiplier_alpha, q->shift_alpha)) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

HIL_EW_BINARY_EVAL(eval_s8, hil_prelu_s8)
HIL_EW_BINARY_EVAL(eval_s16, hil_prelu_s16)

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    const prelu_params_t *p = hil_op_params(m, op, sizeof(prelu_params_t));
    return hil_ew_binary_prepare(check(m, op), m, op, s, p, eval_s8, eval_s16);
}

HIL_OP_REGISTER(prelu, HIL_OP_PRELU, prepare, hil_ew_binary_t);
