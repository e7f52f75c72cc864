/* FULLY_CONNECTED: inputs (input, weights, bias or none[, scratch]), one
 * output. int8, or 16x8 (int16 activations, int64 bias; reference kernel
 * only). The optimised int8 kernel needs HIL_FC_M4_SCRATCH(in_dim, batches) bytes of
 * arena scratch, which the compiler appends as a fourth input.
 * Parameters come from hil/compile/ops/fully_connected.py. */
#include "hil/kernels.h"
#include "hil/kernels_opt.h"
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

/* The op's tensors and sizes, unchecked: check() checks them (and the io
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

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
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

typedef struct {
    hil_mac_state_t mac;
    int32_t batches, in_dim, out_dim;
} fc_state_t;

#define STATE(s) ((const fc_state_t *)(const void *)(s))

static void eval_s16(const hil_op_state_t *s)
{
    const hil_mac_state_t *c = &STATE(s)->mac;
    hil_fully_connected_s16(c->input, c->weights, c->bias, c->output, STATE(s)->batches, STATE(s)->in_dim,
                            STATE(s)->out_dim, c->q, &c->cq);
}

static void eval_s8(const hil_op_state_t *s)
{
    const hil_mac_state_t *c = &STATE(s)->mac;
    hil_fully_connected_s8(c->input, c->weights, c->bias, c->output, STATE(s)->batches, STATE(s)->in_dim,
                           STATE(s)->out_dim, c->q, &c->cq);
}

static void eval_s8_opt(const hil_op_state_t *s)
{
    const hil_mac_state_t *c = &STATE(s)->mac;
    hil_fully_connected_s8_opt(c->input, c->weights, c->folded, c->output, c->scratch, STATE(s)->batches,
                               STATE(s)->in_dim, STATE(s)->out_dim, c->q, &c->cq, c->rq);
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    static const hil_op_eval_t evals[3] = {eval_s8_opt, eval_s8, eval_s16};
    hil_status_t st = check(m, op);
    if (st != HIL_OK) {
        return st;
    }
    fc_view_t v;
    view(m, op, &v);
    fc_state_t *f = (fc_state_t *)(void *)s;
    const hil_tensor_t *const t[5] = {v.input, v.weights, v.bias, v.output, v.scratch};
    const uint32_t folded = v.input->dtype == HIL_DTYPE_INT8 ? v.p->folded_bias_offset : 0u; /* int16: unchecked */
    const hil_mac_offsets_t at = {v.p->multiplier_offset, v.p->shift_offset, folded, v.p->requant_offset};
    hil_mac_state_init(&f->mac, m, t, &v.p->q, at, evals);
    f->batches = v.batches;
    f->in_dim = v.in_dim;
    f->out_dim = v.out_dim;
    return HIL_OK;
}

HIL_OP_REGISTER(fully_connected, HIL_OP_FULLY_CONNECTED, prepare, fc_state_t);
