/* CONCATENATION along any axis, and PACK (concatenation along a new axis),
 * any element type: a copy. TFLM never requantises here (its Prepare rejects
 * int8 inputs quantised unlike the output; so does the compiler, for PACK
 * too). Parameters: hil/compile/ops/shape.py, movement.py: outer, n, then the
 * bytes each input contributes per outer block. */
#include "elementwise_ops.h"

#define MAX_INPUTS 16

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op)
{
    const hil_ew_copy_list_t *p = hil_ew_copy_list(m, op, MAX_INPUTS);
    const hil_tensor_t *out = hil_op_output(m, op, 0);
    if (p == NULL || op->n_outputs != 1u || out == NULL || op->n_inputs != (uint8_t)p->n ||
        !hil_ew_all_dtype(m, op, out->dtype)) {
        return HIL_ERR_BAD_MODEL;
    }
    uint64_t row = 0;
    for (int32_t i = 0; i < p->n; i++) {
        if ((uint64_t)p->outer * p->copy_bytes[i] != hil_op_tensor(m, op, (unsigned)i)->bytes) {
            return HIL_ERR_BAD_MODEL;
        }
        row += p->copy_bytes[i];
    }
    return (uint64_t)p->outer * row == out->bytes ? HIL_OK : HIL_ERR_BAD_MODEL;
}

static hil_status_t eval(const hil_model_t *m, const hil_op_t *op)
{
    const hil_ew_copy_list_t *p = hil_ew_copy_list(m, op, MAX_INPUTS);
    const uint8_t *inputs[MAX_INPUTS];
    for (int32_t i = 0; i < p->n; i++) {
        inputs[i] = hil_tensor_data(m, hil_op_tensor(m, op, (unsigned)i));
    }
    hil_concat(inputs, p->copy_bytes, p->n, p->outer, hil_tensor_data(m, hil_op_output(m, op, 0)));
    return HIL_OK;
}

HIL_OP_REGISTER(concatenation, HIL_OP_CONCATENATION, prepare, eval);
HIL_OP_REGISTER(pack, HIL_OP_PACK, prepare, eval);
