/* MAXIMUM and MINIMUM, int8 or int16, with broadcasting: raw comparisons, as
 * TFLM (the compiler checks the three tensors share one quantisation).
 * Parameters: hil/compile/ops/binary.py (the broadcast walk). */
#include "elementwise_ops.h"
#include "hil/kernels_activation.h"

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const hil_broadcast_t *bc = hil_op_params(m, op, sizeof(hil_broadcast_t));
    const hil_tensor_t *in1 = hil_op_tensor(m, op, 0), *in2 = hil_op_tensor(m, op, 1), *out = hil_op_output(m, op, 0);
    if (bc == NULL || op->n_inputs != 2u || op->n_outputs != 1u || !hil_ew_is_q(out) ||
        !hil_ew_all_dtype(m, op, out->dtype) || !hil_ew_broadcast_ok(bc, in1, in2, out)) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s, hil_op_eval_t s8,
                            hil_op_eval_t s16)
{
    const hil_broadcast_t *bc = hil_op_params(m, op, sizeof(hil_broadcast_t));
    return hil_ew_binary_prepare(check(m, op), m, op, s, bc, s8, s16);
}

/* MAXIMUM / MINIMUM kernels take no record beyond the walk. */
#define EVAL(name, KERNEL)                                                                                     \
    static void name(const hil_op_state_t *s)                                                                  \
    {                                                                                                          \
        const hil_ew_binary_t *b = (const hil_ew_binary_t *)(const void *)s;                                   \
        KERNEL(b->in1, b->in2, b->out, b->bc);                                                                 \
    }
EVAL(eval_maximum_s8, hil_maximum_s8)
EVAL(eval_maximum_s16, hil_maximum_s16)
EVAL(eval_minimum_s8, hil_minimum_s8)
EVAL(eval_minimum_s16, hil_minimum_s16)

static hil_status_t prepare_maximum(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    return prepare(m, op, s, eval_maximum_s8, eval_maximum_s16);
}

static hil_status_t prepare_minimum(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    return prepare(m, op, s, eval_minimum_s8, eval_minimum_s16);
}

HIL_OP_REGISTER(maximum, HIL_OP_MAXIMUM, prepare_maximum, hil_ew_binary_t);
HIL_OP_REGISTER(minimum, HIL_OP_MINIMUM, prepare_minimum, hil_ew_binary_t);
