/* CONV_2D: inputs (input, weights, bias or none[, scratch]), one output, all
 * NHWC. int8, or 16x8 (int16 activations, int64 bias; reference kernel
 * only). The optimised int8 kernel needs hil_conv_s8_m4_scratch() bytes of
 * arena scratch, which the compiler appends as a fourth input. Parameters
 * come from hil/compile/ops/conv.py. */
#include "hil/kernels.h"
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

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op)
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

static hil_status_t eval(const hil_model_t *m, const hil_op_t *op)
{
    conv_view_t v;
    view(m, op, &v);
    const hil_channel_quant_t cq = hil_channel_quant(m, v.p->multiplier_offset, v.p->shift_offset);
    const void *bias = v.bias ? hil_tensor_data(m, v.bias) : NULL;
    const int8_t *weights = hil_tensor_data(m, v.weights);
    if (v.input->dtype == HIL_DTYPE_INT16) {
        hil_conv_s16(hil_tensor_data(m, v.input), weights, bias, hil_tensor_data(m, v.output), &v.g, &v.p->q, &cq);
    } else if (m->use_reference) {
        hil_conv_s8(hil_tensor_data(m, v.input), weights, bias, hil_tensor_data(m, v.output), &v.g, &v.p->q, &cq);
    } else {
        const int32_t *folded = (const int32_t *)(const void *)(m->blob + v.p->folded_bias_offset);
        int32_t *scratch = v.scratch ? hil_tensor_data(m, v.scratch) : NULL;
        hil_conv_s8_m4(hil_tensor_data(m, v.input), weights, folded, hil_tensor_data(m, v.output), scratch, &v.g,
                       &v.p->q, &cq, hil_requant_table(m, v.p->requant_offset));
    }
    return HIL_OK;
}

HIL_OP_REGISTER(conv_2d, HIL_OP_CONV_2D, prepare, eval);
