/* GRU_STEP_S8: a GRU cell's ops fused by the compiler (hil/compile/fuse.py).
 * Inputs: x, h, the six FULLY_CONNECTED weights, their six biases (each may
 * be none), scratch; one output, h'. The record holds each decomposed op's
 * record as its own op file would read it (hil/compile/ops/gru_step.py);
 * prepare checks all of it as those op files do, plus what the fused kernels
 * add: one row per tensor, folded biases equal to bias + input_offset * row
 * sums, element-wise ops without fused activations and with the rescales
 * TFLM's Prepare makes (hil_gru_half: an ADD/SUB input at the larger scale
 * by exactly 1/2, negative shifts elsewhere), and the activation tables equal
 * to the reference kernels' outputs on all 256 inputs. */
#include <string.h>

#include "elementwise_ops.h"
#include "hil/kernels_gru_step.h"
#include "hil/kernels_opt.h"
#include "mac_common.h"

typedef struct {
    hil_act_quant_t q;
    uint32_t multiplier_offset, shift_offset, folded_bias_offset, requant_offset; /* as FULLY_CONNECTED's */
} gru_fc_record_t;

typedef struct {
    int32_t in_dim, units, reset_after, reserved;
    gru_fc_record_t fc[HIL_GRU_FCS];
    hil_gru_ew_t ew;
} gru_step_params_t;

enum { IN_X, IN_H, IN_W0, IN_B0 = IN_W0 + HIL_GRU_FCS, IN_SCRATCH = IN_B0 + HIL_GRU_FCS, N_INPUTS };

static const gru_step_params_t *params(const hil_model_t *m, const hil_op_t *op)
{
    return hil_op_params(m, op, sizeof(gru_step_params_t));
}

static int32_t depth(const gru_step_params_t *p, int k)
{
    return (k & 1) ? p->units : p->in_dim;
}

/* An int8 activation of n values in the arena. */
static int row_ok(const hil_tensor_t *t, int32_t n)
{
    return hil_tensor_is(t, HIL_DTYPE_INT8, -1) && t->location == HIL_LOC_ARENA && hil_tensor_elements(t) == n;
}

/* FC k's tensors and record, and its folded biases against its weights and bias. */
static int fc_ok(const hil_model_t *m, const hil_op_t *op, const gru_step_params_t *p, int k)
{
    const gru_fc_record_t *r = &p->fc[k];
    const hil_tensor_t *w = hil_op_tensor(m, op, IN_W0 + (unsigned)k), *b = hil_op_tensor(m, op, IN_B0 + (unsigned)k);
    const int32_t n = p->units, d = depth(p, k);
    if (!hil_tensor_is(w, HIL_DTYPE_INT8, 2) || w->dims[0] != n || w->dims[1] != d ||
        (b != NULL && (!hil_tensor_is(b, HIL_DTYPE_INT32, 1) || b->dims[0] != n)) ||
        !hil_act_quant_ok(&r->q, HIL_DTYPE_INT8) ||
        !hil_channel_quant_ok(m, r->multiplier_offset, r->shift_offset, n, HIL_DTYPE_INT8) ||
        !hil_requant_table_ok(m, r->requant_offset, r->multiplier_offset, r->shift_offset, n)) {
        return 0;
    }
    const int32_t *folded = hil_model_const(m, r->folded_bias_offset, (size_t)n * sizeof(int32_t));
    const int32_t *bias = hil_mac_data(m, b);
    const int8_t *weights = hil_mac_data(m, w);
    for (int32_t o = 0; folded != NULL && o < n; o++) {
        int32_t sum = 0;
        for (int32_t i = 0; i < d; i++) {
            sum += weights[o * d + i];
        }
        if (folded[o] != hil_add_wrap(bias != NULL ? bias[o] : 0, r->q.input_offset * sum)) {
            return 0;
        }
    }
    return folded != NULL;
}

/* A rescale the fused kernels take: shift < 0, or for an ADD/SUB input
 * exactly 1/2 (hil_gru_half). */
static int rescale_ok(int32_t multiplier, int32_t shift, int half_ok)
{
    return multiplier >= 0 && (hil_ew_in_range(shift, -31, -1) || (half_ok && hil_gru_half(multiplier, shift)));
}

/* An int8 output stage: zero point in range, no fused activation. */
static int out_ok(int32_t offset, int32_t lo, int32_t hi)
{
    return hil_ew_in_range(offset, INT8_MIN, INT8_MAX) && lo == INT8_MIN && hi == INT8_MAX;
}

static int add_ok(const hil_add_params_t *q)
{
    const int half = hil_gru_half(q->input1_multiplier, q->input1_shift) ||
                     hil_gru_half(q->input2_multiplier, q->input2_shift);
    return q->left_shift == 20 && half && hil_ew_offset_ok(q->input1_offset, HIL_DTYPE_INT8) &&
           hil_ew_offset_ok(q->input2_offset, HIL_DTYPE_INT8) && rescale_ok(q->input1_multiplier, q->input1_shift, 1) &&
           rescale_ok(q->input2_multiplier, q->input2_shift, 1) &&
           rescale_ok(q->output_multiplier, q->output_shift, 0) && out_ok(q->output_offset, q->act_min, q->act_max);
}

static int mul_ok(const hil_mul_params_t *q)
{
    return hil_ew_offset_ok(q->input1_offset, HIL_DTYPE_INT8) && hil_ew_offset_ok(q->input2_offset, HIL_DTYPE_INT8) &&
           rescale_ok(q->output_multiplier, q->output_shift, 0) && out_ok(q->output_offset, q->act_min, q->act_max);
}

typedef void (*sigmoid_s8_t)(const int8_t *, int8_t *, int32_t, const hil_sigmoid_params_t *);

/* LOGISTIC's or TANH's record, and its table equal to the kernel's outputs. */
static int activation_ok(const hil_sigmoid_params_t *q, const int8_t *table, sigmoid_s8_t kernel)
{
    if (!hil_ew_in_range(q->input_zero_point, INT8_MIN, INT8_MAX) || q->input_range_radius < 0 ||
        !hil_ew_mult_ok(q->input_multiplier, q->input_shift)) {
        return 0;
    }
    int8_t in[256], out[256];
    for (int32_t i = 0; i < 256; i++) {
        in[i] = (int8_t)(i - 128);
    }
    kernel(in, out, 256, q);
    return memcmp(out, table, sizeof(out)) == 0;
}

static int ew_ok(const hil_gru_ew_t *e)
{
    return add_ok(&e->add_z) && add_ok(&e->add_r) && add_ok(&e->add_h) && add_ok(&e->sub) && add_ok(&e->add_out) &&
           mul_ok(&e->mul_r) && mul_ok(&e->mul_z) && activation_ok(&e->sig_z, e->lut_z, hil_logistic_s8) &&
           activation_ok(&e->sig_r, e->lut_r, hil_logistic_s8) && activation_ok(&e->tanh, e->lut_h, hil_tanh_s8);
}

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const gru_step_params_t *p = params(m, op);
    if (p == NULL || op->n_inputs != N_INPUTS || op->n_outputs != 1u || p->in_dim < 1 ||
        p->in_dim > HIL_GRU_STEP_MAX_DIM || p->units < 1 || p->units > HIL_GRU_STEP_MAX_DIM ||
        (p->reset_after != 0 && p->reset_after != 1) || !row_ok(hil_op_tensor(m, op, IN_X), p->in_dim) ||
        !row_ok(hil_op_tensor(m, op, IN_H), p->units) || !row_ok(hil_op_output(m, op, 0), p->units) ||
        !hil_scratch_ok(hil_op_tensor(m, op, IN_SCRATCH), (uint32_t)hil_gru_step_scratch(p->in_dim, p->units)) ||
        !ew_ok(&p->ew)) {
        return HIL_ERR_BAD_MODEL;
    }
    for (int k = 0; k < HIL_GRU_FCS; k++) {
        if (!fc_ok(m, op, p, k)) {
            return HIL_ERR_BAD_MODEL;
        }
    }
    return HIL_OK;
}

typedef struct {
    hil_op_state_t head;
    hil_gru_step_t g;
    const int8_t *x, *h;
    int8_t *out;
    void *scratch;
} gru_step_state_t;

#define STATE(s) ((const gru_step_state_t *)(const void *)(s))

static void eval_opt(const hil_op_state_t *s)
{
    hil_gru_step_s8_opt(STATE(s)->x, STATE(s)->h, STATE(s)->out, STATE(s)->scratch, &STATE(s)->g);
}

static void eval_ref(const hil_op_state_t *s)
{
    hil_gru_step_s8(STATE(s)->x, STATE(s)->h, STATE(s)->out, STATE(s)->scratch, &STATE(s)->g);
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    hil_status_t st = check(m, op);
    if (st != HIL_OK) {
        return st;
    }
    const gru_step_params_t *p = params(m, op);
    gru_step_state_t *f = (gru_step_state_t *)(void *)s;
    hil_op_set_eval(s, eval_opt, eval_ref);
    f->g = (hil_gru_step_t){.in_dim = p->in_dim, .units = p->units, .reset_after = p->reset_after, .ew = &p->ew};
    for (int k = 0; k < HIL_GRU_FCS; k++) {
        const gru_fc_record_t *r = &p->fc[k];
        f->g.fc[k] = (hil_gru_fc_t){
            .weights = hil_mac_data(m, hil_mac_tensor(m, op, IN_W0 + (unsigned)k)),
            .bias = hil_mac_data(m, hil_mac_tensor(m, op, IN_B0 + (unsigned)k)),
            .folded_bias = hil_model_const(m, r->folded_bias_offset, (size_t)p->units * sizeof(int32_t)),
            .q = r->q, .cq = hil_channel_quant(m, r->multiplier_offset, r->shift_offset),
            .rq = hil_requant_table(m, r->requant_offset),
        };
    }
    f->x = hil_mac_data(m, hil_mac_tensor(m, op, IN_X));
    f->h = hil_mac_data(m, hil_mac_tensor(m, op, IN_H));
    f->out = hil_mac_data(m, hil_mac_tensor(m, op, N_INPUTS));
    f->scratch = hil_mac_data(m, hil_mac_tensor(m, op, IN_SCRATCH));
    return HIL_OK;
}

HIL_OP_REGISTER(gru_step, HIL_OP_GRU_STEP_S8, prepare, gru_step_state_t);
