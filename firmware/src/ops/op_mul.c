/* MUL, int8 or int16 (int16: zero points 0, as TFLM requires), with
 * broadcasting and a fused activation. int8 runs the _m4 kernel on the
 * numbers hil_mul_s8_m4_prepare makes once (when the record is one TFLite
 * makes), unless the reference one is asked for. Parameters:
 * hil/compile/ops/binary.py. */
#include "elementwise_ops.h"

typedef struct {
    hil_broadcast_t bc;
    hil_mul_params_t q;
} mul_params_t;

typedef struct {
    hil_ew_binary_t b;
    hil_mul_m4_t m4;
} mul_state_t;

HIL_EW_BINARY_EVAL(eval_s8, hil_mul_s8)
HIL_EW_BINARY_EVAL(eval_s16, hil_mul_s16)

static void eval_s8_m4(const hil_op_state_t *s)
{
    const mul_state_t *u = (const mul_state_t *)(const void *)s;
    hil_mul_s8_m4(u->b.in1, u->b.in2, u->b.out, u->b.bc, &u->m4);
}

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const mul_params_t *p = hil_op_params(m, op, sizeof(mul_params_t));
    const hil_tensor_t *in1 = hil_op_tensor(m, op, 0), *in2 = hil_op_tensor(m, op, 1), *out = hil_op_output(m, op, 0);
    if (p == NULL || op->n_inputs != 2u || op->n_outputs != 1u || !hil_ew_is_q(out) ||
        !hil_ew_all_dtype(m, op, out->dtype) || !hil_ew_broadcast_ok(&p->bc, in1, in2, out)) {
        return HIL_ERR_BAD_MODEL;
    }
    const hil_mul_params_t *q = &p->q;
    const int32_t lo = hil_ew_qmin(out->dtype), hi = hil_ew_qmax(out->dtype);
    /* the product of two offset inputs fits in int32: |x + offset| <= 255 (int8) or <= 32768 (int16) */
    const int offsets_ok = out->dtype == HIL_DTYPE_INT8
                               ? hil_ew_offset_ok(q->input1_offset, out->dtype) && hil_ew_offset_ok(q->input2_offset, out->dtype)
                               : q->input1_offset == 0 && q->input2_offset == 0 && q->output_offset == 0;
    if (!offsets_ok || !hil_ew_in_range(q->output_offset, lo, hi) ||
        !hil_ew_mult_ok(q->output_multiplier, q->output_shift) || !hil_ew_act_ok(q->act_min, q->act_max, out->dtype)) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    const mul_params_t *p = hil_op_params(m, op, sizeof(mul_params_t));
    hil_status_t st = hil_ew_binary_prepare(check(m, op), m, op, s, p, eval_s8, eval_s16);
    mul_state_t *u = (mul_state_t *)(void *)s;
    if (st == HIL_OK && hil_op_output(m, op, 0)->dtype == HIL_DTYPE_INT8 && hil_mul_s8_m4_prepare(&p->q, &u->m4)) {
        hil_op_set_eval(s, eval_s8_m4, eval_s8);
    }
    return st;
}

HIL_OP_REGISTER(mul, HIL_OP_MUL, prepare, mul_state_t);
