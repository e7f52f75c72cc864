/* CONCATENATION along any axis, and PACK (concatenation along a new axis),
 * any element type: a copy. TFLM never requantises here (its Prepare rejects
 * int8 inputs quantised unlike the output; so does the compiler, for PACK
 * too). Parameters: hil/compile/ops/shape.py, movement.py: outer, n, then the
 * bytes each input contributes per outer block. */
#include "elementwise_ops.h"

#define MAX_INPUTS 16

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
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

/* The inputs' bytes, one pointer per input (state_bytes_per_io). */
typedef struct {
    hil_op_state_t head;
    const hil_ew_copy_list_t *p;
    uint8_t *out;
    const uint8_t *inputs[];
} concat_state_t;

static void eval(const hil_op_state_t *s)
{
    const concat_state_t *c = (const concat_state_t *)(const void *)s;
    hil_concat(c->inputs, c->p->copy_bytes, c->p->n, c->p->outer, c->out);
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    hil_status_t st = check(m, op);
    if (st != HIL_OK) {
        return st;
    }
    concat_state_t *c = (concat_state_t *)(void *)s;
    c->p = hil_ew_copy_list(m, op, MAX_INPUTS);
    c->out = hil_tensor_data(m, hil_op_output(m, op, 0));
    for (int32_t i = 0; i < c->p->n; i++) {
        c->inputs[i] = hil_tensor_data(m, hil_op_tensor(m, op, (unsigned)i));
    }
    hil_op_set_eval(s, eval, eval);
    return HIL_OK;
}

HIL_OP_REGISTER_IO(concatenation, HIL_OP_CONCATENATION, prepare, concat_state_t, sizeof(uint8_t *));
HIL_OP_REGISTER_IO(pack, HIL_OP_PACK, prepare, concat_state_t, sizeof(uint8_t *));
