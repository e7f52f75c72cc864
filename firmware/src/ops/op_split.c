/* SPLIT and SPLIT_V along any axis, and UNPACK (the inverse of PACK), any
 * element type: copies. Parameters: hil/compile/ops/shape.py, movement.py:
 * outer, n, then the bytes each output takes per outer block. */
#include "elementwise_ops.h"

#define MAX_OUTPUTS 16

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
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

/* The outputs' bytes, one pointer per output (state_bytes_per_io). */
typedef struct {
    hil_op_state_t head;
    const hil_ew_copy_list_t *p;
    const uint8_t *in;
    uint8_t *outputs[];
} split_state_t;

static void eval(const hil_op_state_t *s)
{
    const split_state_t *c = (const split_state_t *)(const void *)s;
    hil_split(c->in, c->p->copy_bytes, c->p->n, c->p->outer, c->outputs);
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    hil_status_t st = check(m, op);
    if (st != HIL_OK) {
        return st;
    }
    split_state_t *c = (split_state_t *)(void *)s;
    c->p = hil_ew_copy_list(m, op, MAX_OUTPUTS);
    c->in = hil_tensor_data(m, hil_op_tensor(m, op, 0));
    for (int32_t j = 0; j < c->p->n; j++) {
        c->outputs[j] = hil_tensor_data(m, hil_op_output(m, op, (unsigned)j));
    }
    hil_op_set_eval(s, eval, eval);
    return HIL_OK;
}

HIL_OP_REGISTER_IO(split, HIL_OP_SPLIT, prepare, split_state_t, sizeof(uint8_t *));
HIL_OP_REGISTER_IO(unpack, HIL_OP_UNPACK, prepare, split_state_t, sizeof(uint8_t *));
