/* CONV_2D: inputs (input, weights, bias or none[, scratch]), one output, all
 * NHWC. int8, or 16x8 (int16 activations, int64 bias; reference kernel
 * only). The optimised int8 kernel needs hil_conv_s8_m4_scratch() bytes of
 * arena scratch, which the compiler appends as a fourth input. Parameters
 * come from hil/compile/ops/conv.py. */
#include "hil/kernels.h"
#include "hil/kernels_opt.h"
#include "hil/op.h"
#include "mac_common.h"

typedef struct {
    hil_act_quant_t q;
    hil_conv_window_t win;
    uint32_t multiplier_offset;  /* blob: i32[out_ch] */
    uint32_t shift_offset;       /* blob: i32[out_ch] */
    uint32_t folded_bias_offset; /* int8: blob i32[out_ch] = bias + input_offset * sum(weights[o]); int16: 0 */
    uint32_t requant_offset;     /* int8: blob hil_requant_t[out_ch] when every shift < 0; else 0 */
} conv_params_t;

typedef struct {
    const conv_params_t *p;
    const hil_tensor_t *input, *weights, *bias, *output, *scratch;
    hil_conv_geom_t g;
} conv_view_t;

static hil_status_t view(const hil_model_t *m, const hil_op_t *op, conv_view_t *v)
{
    v->p = hil_op_params(m, op, sizeof(conv_params_t));
    v->input = hil_op_tensor(m, op, 0);
    v->weights = hil_op_tensor(m, op, 1);
    v->bias = hil_op_tensor(m, op, 2);
    v->output = hil_op_output(m, op, 0);
    v->scratch = op->n_inputs == 4u ? hil_op_tensor(m, op, 3) : NULL;
    if (v->p == NULL || (op->n_inputs != 3u && op->n_inputs != 4u) || op->n_outputs != 1u ||
        !hil_mac_types_ok(v->input, v->output, v->bias) || !hil_tensor_is(v->weights, HIL_DTYPE_INT8, 4) ||
        !hil_conv_geom(&v->g, v->input, v->weights, v->output, &v->p->win, 0)) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    conv_view_t v;
    if (view(m, op, &v) != HIL_OK) {
        return HIL_ERR_BAD_MODEL;
    }
    const conv_params_t *p = v.p;
    const int32_t n = v.g.out_ch;
    const int int8 = v.input->dtype == HIL_DTYPE_INT8;
    if ((v.bias != NULL && v.bias->dims[0] != n) || !hil_act_quant_ok(&p->q, v.input->dtype) ||
        !hil_channel_quant_ok(m, p->multiplier_offset, p->shift_offset, n, v.input->dtype)) {
        return HIL_ERR_BAD_MODEL;
    }
    if (!int8) {
        return p->requant_offset == 0u ? HIL_OK : HIL_ERR_BAD_MODEL;
    }
    const int64_t scratch = hil_conv_s8_m4_scratch(&v.g);
    if (hil_model_const(m, p->folded_bias_offset, (size_t)n * sizeof(int32_t)) == NULL ||
        !hil_requant_table_ok(m, p->requant_offset, p->multiplier_offset, p->shift_offset, n) ||
        scratch > UINT32_MAX || (scratch > 0 && !hil_scratch_ok(v.scratch, (uint32_t)scratch))) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

typedef struct {
    hil_mac_state_t mac;
    hil_conv_geom_t g;
} conv_state_t;

#define STATE(s) ((const conv_state_t *)(const void *)(s))

static void eval_s16(const hil_op_state_t *s)
{
    const hil_mac_state_t *c = &STATE(s)->mac;
    hil_conv_s16(c->input, c->weights, c->bias, c->output, &STATE(s)->g, c->q, &c->cq);
}

static void eval_s8(const hil_op_state_t *s)
{
    const hil_mac_state_t *c = &STATE(s)->mac;
    hil_conv_s8(c->input, c->weights, c->bias, c->output, &STATE(s)->g, c->q, &c->cq);
}

static void eval_s8_opt(const hil_op_state_t *s)
{
    const hil_mac_state_t *c = &STATE(s)->mac;
    hil_conv_s8_opt(c->input, c->weights, c->folded, c->output, c->scratch, &STATE(s)->g, c->q, &c->cq, c->rq);
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    static const hil_op_eval_t evals[3] = {eval_s8_opt, eval_s8, eval_s16};
    conv_view_t v;
    hil_status_t st = check(m, op);
    if (st != HIL_OK || (st = view(m, op, &v)) != HIL_OK) {
        return st;
    }
    conv_state_t *c = (conv_state_t *)(void *)s;
    const hil_tensor_t *const t[5] = {v.input, v.weights, v.bias, v.output, v.scratch};
    const uint32_t folded = v.input->dtype == HIL_DTYPE_INT8 ? v.p->folded_bias_offset : 0u; /* int16: unchecked */
    const hil_mac_offsets_t at = {v.p->multiplier_offset, v.p->shift_offset, folded, v.p->requant_offset};
    hil_mac_state_init(&c->mac, m, t, &v.p->q, at, evals);
    c->g = v.g;
    return HIL_OK;
}

HIL_OP_REGISTER(conv_2d, HIL_OP_CONV_2D, prepare, conv_state_t);
