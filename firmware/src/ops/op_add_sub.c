/* ADD and SUB, int8 or int16 (TFLM's general-scale path for both), with
 * broadcasting and a fused activation; one record and one set of checks.
 * int8 runs the _m4 kernels on the numbers hil_add_s8_m4_prepare makes once
 * (when the record is one TFLite makes), unless the reference ones are asked
 * for. Parameters: hil/compile/ops/binary.py. */
#include "elementwise_ops.h"

typedef struct {
    hil_broadcast_t bc;
    hil_add_params_t q;
} add_params_t;

typedef struct {
    hil_ew_binary_t b;
    hil_add_m4_t m4;
} add_state_t;

HIL_EW_BINARY_EVAL(eval_add_s8, hil_add_s8)
HIL_EW_BINARY_EVAL(eval_add_s16, hil_add_s16)
HIL_EW_BINARY_EVAL(eval_sub_s8, hil_sub_s8)
HIL_EW_BINARY_EVAL(eval_sub_s16, hil_sub_s16)

#define EVAL_M4(name, KERNEL)                                                                                  \
    static void name(const hil_op_state_t *s)                                                                  \
    {                                                                                                          \
        const add_state_t *a = (const add_state_t *)(const void *)s;                                           \
        KERNEL(a->b.in1, a->b.in2, a->b.out, a->b.bc, &a->m4);                                                 \
    }
EVAL_M4(eval_add_s8_m4, hil_add_s8_m4)
EVAL_M4(eval_sub_s8_m4, hil_sub_s8_m4)

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const add_params_t *p = hil_op_params(m, op, sizeof(add_params_t));
    const hil_tensor_t *in1 = hil_op_tensor(m, op, 0), *in2 = hil_op_tensor(m, op, 1), *out = hil_op_output(m, op, 0);
    if (p == NULL || op->n_inputs != 2u || op->n_outputs != 1u || !hil_ew_is_q(out) ||
        !hil_ew_all_dtype(m, op, out->dtype) || !hil_ew_broadcast_ok(&p->bc, in1, in2, out)) {
        return HIL_ERR_BAD_MODEL;
    }
    const hil_add_params_t *q = &p->q;
    const int32_t lo = hil_ew_qmin(out->dtype), hi = hil_ew_qmax(out->dtype);
    /* |x + offset| << left_shift stays below 2^31: 20 bits for int8, 15 for int16 as TFLM sets them */
    if (q->left_shift != (out->dtype == HIL_DTYPE_INT8 ? 20 : 15) || !hil_ew_offset_ok(q->input1_offset, out->dtype) ||
        !hil_ew_offset_ok(q->input2_offset, out->dtype) || !hil_ew_in_range(q->output_offset, lo, hi) ||
        q->input1_multiplier < 0 || q->input2_multiplier < 0 || q->output_multiplier < 0 ||
        !hil_ew_in_range(q->input1_shift, -31, 0) || !hil_ew_in_range(q->input2_shift, -31, 0) ||
        !hil_ew_in_range(q->output_shift, -31, 0) || !hil_ew_act_ok(q->act_min, q->act_max, out->dtype)) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s, const hil_op_eval_t evals[3])
{
    const add_params_t *p = hil_op_params(m, op, sizeof(add_params_t));
    hil_status_t st = hil_ew_binary_prepare(check(m, op), m, op, s, p, evals[1], evals[2]);
    add_state_t *a = (add_state_t *)(void *)s;
    if (st == HIL_OK && hil_op_output(m, op, 0)->dtype == HIL_DTYPE_INT8 && hil_add_s8_m4_prepare(&p->q, &a->m4)) {
        hil_op_set_eval(s, evals[0], evals[1]);
    }
    return st;
}

/* evals: int8 optimised, int8 reference, int16 */
static hil_status_t prepare_add(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    static const hil_op_eval_t evals[3] = {eval_add_s8_m4, eval_add_s8, eval_add_s16};
    return prepare(m, op, s, evals);
}

static hil_status_t prepare_sub(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    static const hil_op_eval_t evals[3] = {eval_sub_s8_m4, eval_sub_s8, eval_sub_s16};
    return prepare(m, op, s, evals);
}

HIL_OP_REGISTER(add, HIL_OP_ADD, prepare_add, add_state_t);
HIL_OP_REGISTER(sub, HIL_OP_SUB, prepare_sub, add_state_t);
