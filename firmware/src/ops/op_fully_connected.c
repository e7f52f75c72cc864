/* FULLY_CONNECTED: inputs (input, weights, bias or none[, scratch]), one
 * output. int8, or 16x8 (int16 activations, int64 bias; reference kernel
 * only). The optimised int8 kernel needs HIL_FC_M4_SCRATCH(in_dim, batches) bytes of
 * arena scratch, which the compiler appends as a fourth input.
 * Parameters come from hil/compile/ops/fully_connected.py. */
#include "hil/kernels.h"
#include "hil/op.h"
#include "mac_common.h"

typedef struct {
    hil_act_quant_t q;
    uint32_t multiplier_offset;  /* blob: i32[out_dim] */
    uint32_t shift_offset;       /* blob: i32[out_dim] */
    uint32_t folded_bias_offset; /* int8: blob i32[out_dim] = bias + input_offset * sum(weights row); int16: 0 */
    uint32_t requant_offset;     /* int8: blob hil_requant_t[out_dim] when every shift < 0; else 0 */
} fc_params_t;

typedef struct {
    const fc_params_t *p;
    const hil_tensor_t *input, *weights, *bias, *output, *scratch;
    int32_t in_dim, out_dim, batches;
} fc_view_t;

/* What eval needs, unchecked: prepare() has checked it all (and the io
 * list's length before calling this). */
static void view(const hil_model_t *m, const hil_op_t *op, fc_view_t *v)
{
    v->p = (const fc_params_t *)(const void *)(m->blob + op->params_offset);
    v->input = hil_mac_tensor(m, op, 0);
    v->weights = hil_mac_tensor(m, op, 1);
    v->bias = hil_mac_tensor(m, op, 2);
    v->output = hil_mac_tensor(m, op, op->n_inputs);
    v->scratch = op->n_inputs == 4u ? hil_mac_tensor(m, op, 3) : NULL;
    v->out_dim = v->weights->dims[0];
    v->in_dim = v->weights->dims[1];
    v->batches = (int32_t)(v->input->bytes / ((uint32_t)v->in_dim * (v->input->dtype == HIL_DTYPE_INT16 ? 2u : 1u)));
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op)
{
    const hil_tensor_t *weights = hil_op_tensor(m, op, 1);
    if (hil_op_params(m, op, sizeof(fc_params_t)) == NULL || (op->n_inputs != 3u && op->n_inputs != 4u) ||
        op->n_outputs != 1u || hil_op_tensor(m, op, 0) == NULL || hil_op_output(m, op, 0) == NULL ||
        !hil_tensor_is(weights, HIL_DTYPE_INT8, 2) || weights->dims[0] <= 0 || weights->dims[1] <= 0) {
        return HIL_ERR_BAD_MODEL;
    }
    fc_view_t v;
    view(m, op, &v);
    if (!hil_mac_types_ok(v.input, v.output, v.bias) || hil_tensor_elements(v.input) % v.in_dim != 0) {
        return HIL_ERR_BAD_MODEL;
    }
    const int int8 = v.input->dtype == HIL_DTYPE_INT8;
    const uint32_t scratch_need = int8 ? (uint32_t)HIL_FC_M4_SCRATCH(v.in_dim, v.batches) : 0u;
    if ((scratch_need > 0u && !hil_scratch_ok(v.scratch, scratch_need)) ||
        hil_tensor_elements(v.output) != v.batches * v.out_dim ||
        (v.bias != NULL && v.bias->dims[0] != v.out_dim) || !hil_act_quant_ok(&v.p->q, v.input->dtype) ||
        !hil_channel_quant_ok(m, v.p->multiplier_offset, v.p->shift_offset, v.out_dim, v.input->dtype) ||
        (int8 && hil_model_const(m, v.p->folded_bias_offset, (size_t)v.out_dim * sizeof(int32_t)) == NULL) ||
        (!int8 && v.p->requant_offset != 0u) ||
        !hil_requant_table_ok(m, v.p->requant_offset, v.p->multiplier_offset, v.p->shift_offset, v.out_dim)) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

/* The optimised int8 path, reading only what its kernel takes: on a small layer the op's own
 * bookkeeping is a few percent of the time. */
static void eval_m4(const hil_model_t *m, const hil_op_t *op, const hil_tensor_t *input)
{
    const fc_params_t *p = (const fc_params_t *)(const void *)(m->blob + op->params_offset);
    const hil_tensor_t *weights = hil_mac_tensor(m, op, 1);
    const hil_channel_quant_t cq = hil_channel_quant(m, p->multiplier_offset, p->shift_offset);
    const int32_t in_dim = weights->dims[1];
    hil_fully_connected_s8_m4(hil_mac_data(m, input), hil_mac_data(m, weights),
                              (const int32_t *)(const void *)(m->blob + p->folded_bias_offset),
                              hil_mac_data(m, hil_mac_tensor(m, op, op->n_inputs)),
                              hil_mac_data(m, hil_mac_tensor(m, op, 3)), (int32_t)input->bytes / in_dim, in_dim,
                              weights->dims[0], &p->q, &cq, hil_requant_table(m, p->requant_offset));
}

static hil_status_t eval(const hil_model_t *m, const hil_op_t *op)
{
    const hil_tensor_t *in = hil_mac_tensor(m, op, 0);
    if (in->dtype == HIL_DTYPE_INT8 && !m->use_reference) { /* prepare() made sure of the scratch input */
        eval_m4(m, op, in);
        return HIL_OK;
    }
    fc_view_t v;
    view(m, op, &v);
    const hil_channel_quant_t cq = hil_channel_quant(m, v.p->multiplier_offset, v.p->shift_offset);
    const void *bias = hil_mac_data(m, v.bias), *input = hil_mac_data(m, v.input);
    const int8_t *weights = hil_mac_data(m, v.weights);
    void *output = hil_mac_data(m, v.output);
    if (v.input->dtype == HIL_DTYPE_INT16) {
        hil_fully_connected_s16(input, weights, bias, output, v.batches, v.in_dim, v.out_dim, &v.p->q, &cq);
    } else {
        hil_fully_connected_s8(input, weights, bias, output, v.batches, v.in_dim, v.out_dim, &v.p->q, &cq);
    }
    return HIL_OK;
}

HIL_OP_REGISTER(fully_connected, HIL_OP_FULLY_CONNECTED, prepare, eval);
