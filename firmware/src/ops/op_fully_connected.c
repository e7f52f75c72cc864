/* FULLY_CONNECTED, int8: inputs (input, weights, bias or none), one output.
 * Parameters come from hil/compile/ops/fully_connected.py. */
#include "hil/kernels.h"
#include "hil/op.h"

typedef struct {
    hil_act_quant_t q;
    uint32_t multiplier_offset;  /* blob: i32[out_dim] */
    uint32_t shift_offset;       /* blob: i32[out_dim] */
    uint32_t folded_bias_offset; /* blob: i32[out_dim] = bias + input_offset * sum(weights row) */
} fc_params_t;

typedef struct {
    const fc_params_t *p;
    const hil_tensor_t *input, *weights, *bias, *output;
    int32_t in_dim, out_dim, batches;
} fc_view_t;

static hil_status_t view(const hil_model_t *m, const hil_op_t *op, fc_view_t *v)
{
    v->p = hil_op_params(m, op, sizeof(fc_params_t));
    v->input = hil_op_tensor(m, op, 0);
    v->weights = hil_op_tensor(m, op, 1);
    v->bias = hil_op_tensor(m, op, 2);
    v->output = hil_op_output(m, op, 0);
    if (v->p == NULL || op->n_inputs != 3u || op->n_outputs != 1u || !hil_tensor_is(v->input, HIL_DTYPE_INT8, -1) ||
        !hil_tensor_is(v->weights, HIL_DTYPE_INT8, 2) || !hil_tensor_is(v->output, HIL_DTYPE_INT8, -1) ||
        (v->bias != NULL && !hil_tensor_is(v->bias, HIL_DTYPE_INT32, 1))) {
        return HIL_ERR_BAD_MODEL;
    }
    v->out_dim = v->weights->dims[0];
    v->in_dim = v->weights->dims[1];
    if (v->in_dim <= 0 || v->out_dim <= 0 || hil_tensor_elements(v->input) % v->in_dim != 0) {
        return HIL_ERR_BAD_MODEL;
    }
    v->batches = hil_tensor_elements(v->input) / v->in_dim;
    return HIL_OK;
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op)
{
    fc_view_t v;
    if (view(m, op, &v) != HIL_OK) {
        return HIL_ERR_BAD_MODEL;
    }
    size_t per_channel = (size_t)v.out_dim * sizeof(int32_t);
    if (hil_tensor_elements(v.output) != v.batches * v.out_dim ||
        (v.bias != NULL && v.bias->dims[0] != v.out_dim) ||
        hil_model_const(m, v.p->multiplier_offset, per_channel) == NULL ||
        hil_model_const(m, v.p->shift_offset, per_channel) == NULL ||
        hil_model_const(m, v.p->folded_bias_offset, per_channel) == NULL || v.p->q.act_min > v.p->q.act_max) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

static hil_status_t eval(const hil_model_t *m, const hil_op_t *op)
{
    fc_view_t v;
    view(m, op, &v);
    const hil_channel_quant_t cq = {
        .multiplier = (const int32_t *)(const void *)(m->blob + v.p->multiplier_offset),
        .shift = (const int32_t *)(const void *)(m->blob + v.p->shift_offset),
    };
    hil_fully_connected_s8(hil_tensor_data(m, v.input), hil_tensor_data(m, v.weights),
                           v.bias ? hil_tensor_data(m, v.bias) : NULL, hil_tensor_data(m, v.output), v.batches,
                           v.in_dim, v.out_dim, &v.p->q, &cq);
    return HIL_OK;
}

HIL_OP_REGISTER(fully_connected, HIL_OP_FULLY_CONNECTED, prepare, eval);
