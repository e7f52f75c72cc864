/* HARD_SWISH, int8 (TFLM has no int16 path): a 256-entry table the host fills
 * by running TFLM's reference arithmetic on every input value. Parameters:
 * hil/compile/ops/rectifiers.py (the table itself). */
#include "elementwise_ops.h"
#include "hil/kernels_activation.h"

#define TABLE_BYTES 256u

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const int8_t *table = hil_op_params(m, op, TABLE_BYTES);
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    if (table == NULL || op->n_inputs != 1u || op->n_outputs != 1u || !hil_tensor_is(in, HIL_DTYPE_INT8, -1) ||
        !hil_ew_all_dtype(m, op, HIL_DTYPE_INT8) || hil_tensor_elements(in) != hil_tensor_elements(out)) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

HIL_EW_UNARY_EVAL(eval_lut, hil_lut_s8)

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    const int8_t *table = hil_op_params(m, op, TABLE_BYTES);
    return hil_ew_unary_prepare(check(m, op), m, op, s, table, eval_lut, eval_lut, eval_lut);
}

HIL_OP_REGISTER(hard_swish, HIL_OP_HARD_SWISH, prepare, hil_ew_unary_t);
