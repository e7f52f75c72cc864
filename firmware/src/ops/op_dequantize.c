/* DEQUANTIZE int8/int16 -> float32 (TFLM Dequantize). Parameters:
 * hil/compile/ops/quantize.py. */
#include "elementwise_ops.h"

typedef struct {
    float scale;
    int32_t zero_point;
} dequantize_params_t;

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const dequantize_params_t *p = hil_op_params(m, op, sizeof(dequantize_params_t));
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    if (p == NULL || op->n_inputs != 1u || op->n_outputs != 1u || !hil_ew_is_q(in) ||
        !hil_tensor_is(out, HIL_DTYPE_FLOAT32, -1) || hil_tensor_elements(in) != hil_tensor_elements(out) ||
        !hil_ew_in_range(p->zero_point, hil_ew_qmin(in->dtype), hil_ew_qmax(in->dtype))) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

static void eval_s8(const hil_op_state_t *s)
{
    const hil_ew_unary_t *u = (const hil_ew_unary_t *)(const void *)s;
    const dequantize_params_t *p = u->params;
    hil_dequantize_s8_f32(u->in, u->out, u->n, p->scale, p->zero_point);
}

static void eval_s16(const hil_op_state_t *s)
{
    const hil_ew_unary_t *u = (const hil_ew_unary_t *)(const void *)s;
    const dequantize_params_t *p = u->params;
    hil_dequantize_s16_f32(u->in, u->out, u->n, p->scale, p->zero_point);
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    const dequantize_params_t *p = hil_op_params(m, op, sizeof(dequantize_params_t));
    return hil_ew_unary_prepare(check(m, op), m, op, s, p, eval_s8, eval_s8, eval_s16);
}

HIL_OP_REGISTER(dequantize, HIL_OP_DEQUANTIZE, prepare, hil_ew_unary_t);
