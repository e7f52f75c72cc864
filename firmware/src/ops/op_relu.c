/* RELU, int8 or int16: requantise to the output scale and clamp at its zero
 * (TFLM ReluQuantized). Parameters: hil/compile/ops/activations.py. */
#include "elementwise_ops.h"

/* The requantisation checks RELU and QUANTIZE share (op_quantize.c has its own copy). */
static int requant_ok(const hil_requant_params_t *q, uint8_t in_dtype, uint8_t out_dtype)
{
    return hil_ew_in_range(q->input_zero_point, hil_ew_qmin(in_dtype), hil_ew_qmax(in_dtype)) &&
           hil_ew_in_range(q->output_offset, hil_ew_qmin(out_dtype), hil_ew_qmax(out_dtype)) &&
           hil_ew_mult_ok(q->multiplier, q->shift) && hil_ew_act_ok(q->act_min, q->act_max, out_dtype);
}

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const hil_requant_params_t *p = hil_op_params(m, op, sizeof(hil_requant_params_t));
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    if (p == NULL || op->n_inputs != 1u || op->n_outputs != 1u || !hil_ew_is_q(in) ||
        !hil_ew_all_dtype(m, op, in->dtype) || hil_tensor_elements(in) != hil_tensor_elements(out) ||
        !requant_ok(p, in->dtype, out->dtype)) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

HIL_EW_UNARY_EVAL(eval_s8, hil_requantize_s8_s8)
HIL_EW_UNARY_EVAL(eval_s16, hil_requantize_s16_s16)

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    const hil_requant_params_t *p = hil_op_params(m, op, sizeof(hil_requant_params_t));
    return hil_ew_unary_prepare(check(m, op), m, op, s, p, eval_s8, eval_s8, eval_s16);
}

HIL_OP_REGISTER(relu, HIL_OP_RELU, prepare, hil_ew_unary_t);
