/* RESHAPE (and SQUEEZE, EXPAND_DIMS): the same bytes under another shape. The
 * compiler plans the output on the input's memory (OpSpec.alias_output), so
 * eval copies only when they differ (e.g. a constant input). Parameters:
 * hil/compile/ops/shape.py (an empty, reserved word). */
#include <string.h>

#include "elementwise_ops.h"

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const uint32_t *p = hil_op_params(m, op, sizeof(uint32_t));
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    if (p == NULL || op->n_inputs != 1u || op->n_outputs != 1u || in == NULL || out == NULL ||
        in->dtype != out->dtype || in->bytes != out->bytes) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

static void eval_alias(const hil_op_state_t *s)
{
    (void)s; /* the output is planned on the input's bytes */
}

static void eval_copy(const hil_op_state_t *s)
{
    const hil_ew_unary_t *u = (const hil_ew_unary_t *)(const void *)s;
    memmove(u->out, u->in, (size_t)u->n);
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    hil_status_t st = check(m, op);
    if (st != HIL_OK) {
        return st;
    }
    hil_ew_unary_t *u = (hil_ew_unary_t *)(void *)s;
    hil_ew_unary_init(s, m, op, NULL);
    u->n = (int32_t)hil_op_tensor(m, op, 0)->bytes; /* bytes, not elements: the copy's length */
    const hil_op_eval_t eval = u->in == u->out ? eval_alias : eval_copy;
    hil_op_set_eval(s, eval, eval);
    return HIL_OK;
}

HIL_OP_REGISTER(reshape, HIL_OP_RESHAPE, prepare, hil_ew_unary_t);
