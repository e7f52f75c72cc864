/* RELU, int8 or int16: requantise to the output scale and clamp at its zero
 * (TFLM ReluQuantized). An int8 record carries the op's 256 outputs as a
 * table too, which the optimised path looks up; prepare checks it against the
 * reference kernel on every input. Parameters: hil/compile/ops/activations.py. */
#include "elementwise_ops.h"

HIL_EW_UNARY_EVAL(eval_s8, hil_requantize_s8_s8)
HIL_EW_UNARY_EVAL(eval_s16, hil_requantize_s16_s16)
HIL_EW_LUT_EVAL(eval_lut, sizeof(hil_requant_params_t))

/* The record for the op's dtype (int8: followed by its table), or NULL. */
static const hil_requant_params_t *params(const hil_model_t *m, const hil_op_t *op)
{
    return hil_ew_record_with_table(m, op, sizeof(hil_requant_params_t));
}

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const hil_requant_params_t *p = params(m, op);
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    if (p == NULL || op->n_inputs != 1u || op->n_outputs != 1u || !hil_ew_is_q(in) ||
        !hil_ew_all_dtype(m, op, in->dtype) || hil_tensor_elements(in) != hil_tensor_elements(out) ||
        !hil_ew_requant_ok(p, in->dtype, out->dtype) ||
        (in->dtype == HIL_DTYPE_INT8 && !hil_ew_table_ok((const int8_t *)(p + 1), eval_s8, p))) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    return hil_ew_unary_prepare(check(m, op), m, op, s, params(m, op), eval_lut, eval_s8, eval_s16);
}

HIL_OP_REGISTER(relu, HIL_OP_RELU, prepare, hil_ew_unary_t);
