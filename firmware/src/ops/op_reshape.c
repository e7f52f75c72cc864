/* RESHAPE (and SQUEEZE, EXPAND_DIMS): the same bytes under another shape. The
 * compiler plans the output on the input's memory (OpSpec.alias_output), so
 * eval copies only when they differ (e.g. a constant input). Parameters:
 * hil/compile/ops/shape.py (an empty, reserved word). */
#include <string.h>

#include "elementwise_ops.h"

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op)
{
    const uint32_t *p = hil_op_params(m, op, sizeof(uint32_t));
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    if (p == NULL || op->n_inputs != 1u || op->n_outputs != 1u || in == NULL || out == NULL ||
        in->dtype != out->dtype || in->bytes != out->bytes) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

static hil_status_t eval(const hil_model_t *m, const hil_op_t *op)
{
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    const void *x = hil_tensor_data(m, in);
    void *y = hil_tensor_data(m, out);
    if (x != y) {
        memmove(y, x, in->bytes);
    }
    return HIL_OK;
}

HIL_OP_REGISTER(reshape, HIL_OP_RESHAPE, prepare, eval);
