/* SPLIT and SPLIT_V along any axis, and UNPACK (the inverse of PACK), any
 * element type: copies. Parameters: hil/compile/ops/shape.py, movement.py:
 * outer, n, then the bytes each output takes per outer block. */
#include "elementwise_ops.h"

#define MAX_OUTPUTS 16

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op)
{
    const hil_ew_copy_list_t *p = hil_ew_copy_list(m, op, MAX_OUTPUTS);
    const hil_tensor_t *in = hil_op_tensor(m, op, 0);
    if (p == NULL || op->n_inputs != 1u || in == NULL || op->n_outputs != (uint8_t)p->n ||
        !hil_ew_all_dtype(m, op, in->dtype)) {
        return HIL_ERR_BAD_MODEL;
    }
    uint64_t row = 0;
    for (int32_t j = 0; j < p->n; j++) {
        if ((uint64_t)p->outer * p->copy_bytes[j] != hil_op_output(m, op, (unsigned)j)->bytes) {
            return HIL_ERR_BAD_MODEL;
        }
        row += p->copy_bytes[j];
    }
    return (uint64_t)p->outer * row == in->bytes ? HIL_OK : HIL_ERR_BAD_MODEL;
}

static hil_status_t eval(const hil_model_t *m, const hil_op_t *op)
{
    const hil_ew_copy_list_t *p = hil_ew_copy_list(m, op, MAX_OUTPUTS);
    uint8_t *outputs[MAX_OUTPUTS];
    for (int32_t j = 0; j < p->n; j++) {
        outputs[j] = hil_tensor_data(m, hil_op_output(m, op, (unsigned)j));
    }
    hil_split(hil_tensor_data(m, hil_op_tensor(m, op, 0)), p->copy_bytes, p->n, p->outer, outputs);
    return HIL_OK;
}

HIL_OP_REGISTER(split, HIL_OP_SPLIT, prepare, eval);
HIL_OP_REGISTER(unpack, HIL_OP_UNPACK, prepare, eval);
