/* RELU6, int8 or int16: clamp between the input's quantised 0 and 6; TFLM
 * (Relu6Quantized) leaves the values in the input's quantisation whatever the
 * output's. Parameters: hil/compile/ops/activations.py. */
#include "elementwise_ops.h"

typedef struct {
    int32_t zero; /* quantised 0.0: the lower bound */
    int32_t six;  /* quantised 6.0: the upper bound */
} relu6_params_t;

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const relu6_params_t *p = hil_op_params(m, op, sizeof(relu6_params_t));
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    if (p == NULL || op->n_inputs != 1u || op->n_outputs != 1u || !hil_ew_is_q(in) ||
        !hil_ew_all_dtype(m, op, in->dtype) || hil_tensor_elements(in) != hil_tensor_elements(out) ||
        !hil_ew_in_range(p->zero, hil_ew_qmin(in->dtype), hil_ew_qmax(in->dtype)) ||
        !hil_ew_in_range(p->six, hil_ew_qmin(in->dtype), hil_ew_qmax(in->dtype))) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

static void eval_s8(const hil_op_state_t *s)
{
    const hil_ew_unary_t *u = (const hil_ew_unary_t *)(const void *)s;
    const relu6_params_t *p = u->params;
    hil_clamp_s8(u->in, u->out, u->n, p->zero, p->six);
}

static void eval_s16(const hil_op_state_t *s)
{
    const hil_ew_unary_t *u = (const hil_ew_unary_t *)(const void *)s;
    const relu6_params_t *p = u->params;
    hil_clamp_s16(u->in, u->out, u->n, p->zero, p->six);
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    const relu6_params_t *p = hil_op_params(m, op, sizeof(relu6_params_t));
    return hil_ew_unary_prepare(check(m, op), m, op, s, p, eval_s8, eval_s8, eval_s16);
}

HIL_OP_REGISTER(relu6, HIL_OP_RELU6, prepare, hil_ew_unary_t);
