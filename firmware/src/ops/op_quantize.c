/* QUANTIZE: float32 -> int8/int16 (TFLM AffineQuantize) and requantisation
 * int8/int16 -> int8/int16 (TFLM Requantize). An int8 -> int8 record carries
 * the op's 256 outputs as a table too, which the optimised path looks up;
 * prepare checks it against the reference kernel on every input.
 * Parameters: hil/compile/ops/quantize.py. */
#include "elementwise_ops.h"

#define TABLE_BYTES 256u

typedef struct {
    hil_requant_params_t q; /* integer input */
    float scale;            /* float input: the output scale */
    int32_t zero_point;     /* float input: the output zero point */
} quantize_params_t;

static int s8_to_s8(const hil_model_t *m, const hil_op_t *op)
{
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    return in != NULL && out != NULL && in->dtype == HIL_DTYPE_INT8 && out->dtype == HIL_DTYPE_INT8;
}

/* The record (int8 -> int8: followed by its table), or NULL. */
static const quantize_params_t *params(const hil_model_t *m, const hil_op_t *op)
{
    return hil_op_params(m, op, sizeof(quantize_params_t) + (s8_to_s8(m, op) ? TABLE_BYTES : 0u));
}

HIL_EW_UNARY_EVAL(eval_s8_s8, hil_requantize_s8_s8)
HIL_EW_UNARY_EVAL(eval_s8_s16, hil_requantize_s8_s16)
HIL_EW_UNARY_EVAL(eval_s16_s8, hil_requantize_s16_s8)
HIL_EW_UNARY_EVAL(eval_s16_s16, hil_requantize_s16_s16)
HIL_EW_LUT_EVAL(eval_lut, sizeof(quantize_params_t))

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const quantize_params_t *p = params(m, op);
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    if (p == NULL || op->n_inputs != 1u || op->n_outputs != 1u || in == NULL || !hil_ew_is_q(out) ||
        hil_tensor_elements(in) != hil_tensor_elements(out)) {
        return HIL_ERR_BAD_MODEL;
    }
    if (in->dtype == HIL_DTYPE_FLOAT32) {
        return hil_ew_in_range(p->zero_point, hil_ew_qmin(out->dtype), hil_ew_qmax(out->dtype)) ? HIL_OK
                                                                                                : HIL_ERR_BAD_MODEL;
    }
    if (!hil_ew_is_q(in) || !hil_ew_requant_ok(&p->q, in->dtype, out->dtype) ||
        (s8_to_s8(m, op) && !hil_ew_table_ok((const int8_t *)(p + 1), eval_s8_s8, p))) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

static void eval_f32_s8(const hil_op_state_t *s)
{
    const hil_ew_unary_t *u = (const hil_ew_unary_t *)(const void *)s;
    const quantize_params_t *p = u->params;
    hil_quantize_f32_s8(u->in, u->out, u->n, p->scale, p->zero_point);
}

static void eval_f32_s16(const hil_op_state_t *s)
{
    const hil_ew_unary_t *u = (const hil_ew_unary_t *)(const void *)s;
    const quantize_params_t *p = u->params;
    hil_quantize_f32_s16(u->in, u->out, u->n, p->scale, p->zero_point);
}

/* [input: float32, int8, int16][output: int8, int16]; the record starts with the requantisation */
static const hil_op_eval_t evals[3][2] = {
    {eval_f32_s8, eval_f32_s16}, {eval_s8_s8, eval_s8_s16}, {eval_s16_s8, eval_s16_s16}};

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    hil_status_t st = check(m, op);
    if (st != HIL_OK) {
        return st;
    }
    const uint8_t in = hil_op_tensor(m, op, 0)->dtype, out = hil_op_output(m, op, 0)->dtype;
    hil_ew_unary_init(s, m, op, params(m, op));
    const hil_op_eval_t eval = evals[in == HIL_DTYPE_FLOAT32 ? 0 : (in == HIL_DTYPE_INT8 ? 1 : 2)][out != HIL_DTYPE_INT8];
    hil_op_set_eval(s, s8_to_s8(m, op) ? eval_lut : eval, eval);
    return HIL_OK;
}

HIL_OP_REGISTER(quantize, HIL_OP_QUANTIZE, prepare, hil_ew_unary_t);
