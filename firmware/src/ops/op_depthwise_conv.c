/* DEPTHWISE_CONV_2D: inputs (input, weights [1][kh][kw][out_ch], bias or
 * none[, scratch]), one output, all NHWC. int8, or 16x8 (int16 activations,
 * int64 bias; reference kernel only). The optimised int8 kernel's 3-wide path
 * needs hil_depthwise_conv_s8_m4_scratch() bytes of arena scratch, which the
 * compiler appends as a fourth input; so does the 1-D path (hil_depthwise_conv_s8_m4_1d), which
 * takes the table of per-channel constants the compiler writes when the shape is 1-D, checked
 * here entry by entry. Parameters come from hil/compile/ops/depthwise_conv.py. */
#include <string.h>

#include "hil/kernels.h"
#include "hil/op.h"
#include "mac_common.h"

typedef struct {
    hil_act_quant_t q;
    hil_conv_window_t win;
    int32_t depth_multiplier;
    uint32_t multiplier_offset; /* blob: i32[out_ch] */
    uint32_t shift_offset;      /* blob: i32[out_ch] */
    uint32_t requant_offset;    /* int8: blob hil_requant_t[out_ch] when every shift < 0; else 0 */
    uint32_t dw1d_offset;       /* int8 1-D shapes: the table of hil_depthwise_conv_s8_m4_1d; else 0 */
} dw_params_t;

typedef struct {
    const dw_params_t *p;
    const hil_tensor_t *input, *weights, *bias, *output, *scratch;
    hil_conv_geom_t g;
} dw_view_t;

static hil_status_t view(const hil_model_t *m, const hil_op_t *op, dw_view_t *v)
{
    v->p = hil_op_params(m, op, sizeof(dw_params_t));
    v->input = hil_op_tensor(m, op, 0);
    v->weights = hil_op_tensor(m, op, 1);
    v->bias = hil_op_tensor(m, op, 2);
    v->output = hil_op_output(m, op, 0);
    v->scratch = op->n_inputs == 4u ? hil_op_tensor(m, op, 3) : NULL;
    if (v->p == NULL || (op->n_inputs != 3u && op->n_inputs != 4u) || op->n_outputs != 1u ||
        v->p->depth_multiplier <= 0 ||
        !hil_mac_types_ok(v->input, v->output, v->bias) || !hil_tensor_is(v->weights, HIL_DTYPE_INT8, 4) ||
        !hil_conv_geom(&v->g, v->input, v->weights, v->output, &v->p->win, v->p->depth_multiplier)) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

/* Entries [at, at + n) of the 1-D table: channels ascending, each what hil_dw1d_entry() makes of it,
 * its shift -e, its folded bias within the SMMLAR form's range; 1 if so. */
static int dw1d_run_ok(const hil_model_t *m, const dw_view_t *v, const hil_dw1d_entry_t *at, int32_t n, int32_t e)
{
    const int8_t *w = hil_tensor_data(m, v->weights);
    const int32_t *bias = v->bias ? hil_tensor_data(m, v->bias) : NULL;
    const hil_channel_quant_t cq = hil_channel_quant(m, v->p->multiplier_offset, v->p->shift_offset);
    const int32_t C = v->g.in_ch;
    for (int32_t i = 0; i < n; i++) {
        const int32_t c = at[i].off;
        if (c < 0 || c >= C || (i > 0 && c <= at[i - 1].off) || cq.shift[c] != -e) {
            return 0;
        }
        const int64_t folded = (int64_t)(bias ? bias[c] : 0) +
                               (int64_t)v->p->q.input_offset * (w[c] + w[C + c] + w[2 * C + c]);
        if (folded <= -(1 << 29) || folded >= (1 << 29)) {
            return 0;
        }
        const hil_dw1d_entry_t want = hil_dw1d_entry(w, bias, cq.multiplier, c, C, v->p->q.input_offset);
        if (memcmp(&want, &at[i], sizeof(want)) != 0) {
            return 0;
        }
    }
    return 1;
}

/* The 1-D path's table, or NULL unless the shape, clamp and record allow that path and every
 * channel is in it once, in runs of ascending shift. */
static const int32_t *dw1d_table(const hil_model_t *m, const dw_view_t *v)
{
    const int32_t *head = hil_model_const(m, v->p->dw1d_offset, sizeof(int32_t));
    const int32_t C = v->g.in_ch, runs = head ? head[0] : 0;
    const int32_t *t = runs > 0 && runs <= HIL_DW1D_MAX_E
                           ? hil_model_const(m, v->p->dw1d_offset, sizeof(int32_t) + runs * sizeof(hil_dw1d_run_t) +
                                                                       (size_t)C * sizeof(hil_dw1d_entry_t))
                           : NULL;
    if (t == NULL || v->input->dtype != HIL_DTYPE_INT8 || !hil_dw1d_shape(&v->g) || v->p->q.act_min != -128 ||
        v->p->q.act_max != 127 || hil_depthwise_conv_s8_m4_1d_scratch(&v->g) < 0) {
        return NULL;
    }
    const hil_dw1d_run_t *run = (const hil_dw1d_run_t *)(const void *)(t + 1);
    const hil_dw1d_entry_t *at = (const hil_dw1d_entry_t *)(const void *)(run + runs);
    int32_t done = 0;
    for (int32_t r = 0; r < runs; at += run[r].count, done += run[r].count, r++) {
        if (run[r].e < 1 || run[r].e > HIL_DW1D_MAX_E || (r > 0 && run[r].e <= run[r - 1].e) || run[r].count <= 0 ||
            run[r].count > C - done || !dw1d_run_ok(m, v, at, run[r].count, run[r].e)) {
            return NULL;
        }
    }
    return done == C ? t : NULL;
}

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    dw_view_t v;
    if (view(m, op, &v) != HIL_OK) {
        return HIL_ERR_BAD_MODEL;
    }
    const dw_params_t *p = v.p;
    const int32_t n = v.g.out_ch;
    if ((v.bias != NULL && v.bias->dims[0] != n) || !hil_act_quant_ok(&p->q, v.input->dtype) ||
        !hil_channel_quant_ok(m, p->multiplier_offset, p->shift_offset, n, v.input->dtype) ||
        (v.input->dtype != HIL_DTYPE_INT8 && p->requant_offset != 0u) ||
        !hil_requant_table_ok(m, p->requant_offset, p->multiplier_offset, p->shift_offset, n)) {
        return HIL_ERR_BAD_MODEL;
    }
    if (p->dw1d_offset != 0u && dw1d_table(m, &v) == NULL) {
        return HIL_ERR_BAD_MODEL;
    }
    const int64_t scratch = p->dw1d_offset ? hil_depthwise_conv_s8_m4_1d_scratch(&v.g)
                            : v.input->dtype == HIL_DTYPE_INT8 ? hil_depthwise_conv_s8_m4_scratch(&v.g)
                                                               : 0;
    const int bad = scratch > 0 && (!hil_scratch_ok(v.scratch, (uint32_t)scratch) || (v.scratch->offset & 3u) != 0u);
    return bad ? HIL_ERR_BAD_MODEL : HIL_OK; /* 4-aligned: the kernel reads it in words */
}

typedef struct {
    hil_mac_state_t mac;
    hil_conv_geom_t g;
    const int32_t *dw1d; /* the 1-D path's table, or NULL */
} dw_state_t;

#define STATE(s) ((const dw_state_t *)(const void *)(s))

static void eval_s16(const hil_op_state_t *s)
{
    const hil_mac_state_t *c = &STATE(s)->mac;
    hil_depthwise_conv_s16(c->input, c->weights, c->bias, c->output, &STATE(s)->g, c->q, &c->cq);
}

static void eval_s8(const hil_op_state_t *s)
{
    const hil_mac_state_t *c = &STATE(s)->mac;
    hil_depthwise_conv_s8(c->input, c->weights, c->bias, c->output, &STATE(s)->g, c->q, &c->cq);
}

static void eval_s8_m4(const hil_op_state_t *s)
{
    const hil_mac_state_t *c = &STATE(s)->mac;
    hil_depthwise_conv_s8_m4(c->input, c->weights, c->bias, c->output, (int16_t *)(void *)c->scratch, &STATE(s)->g,
                             c->q, &c->cq, c->rq);
}

static void eval_s8_m4_1d(const hil_op_state_t *s)
{
    const hil_mac_state_t *c = &STATE(s)->mac;
    hil_depthwise_conv_s8_m4_1d(c->input, c->output, (int8_t *)(void *)c->scratch, &STATE(s)->g, c->q, STATE(s)->dw1d);
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    static const hil_op_eval_t evals[3] = {eval_s8_m4, eval_s8, eval_s16};
    dw_view_t v;
    hil_status_t st = check(m, op);
    if (st != HIL_OK || (st = view(m, op, &v)) != HIL_OK) {
        return st;
    }
    dw_state_t *d = (dw_state_t *)(void *)s;
    const hil_tensor_t *const t[5] = {v.input, v.weights, v.bias, v.output, v.scratch};
    const hil_mac_offsets_t at = {v.p->multiplier_offset, v.p->shift_offset, 0u, v.p->requant_offset};
    hil_mac_state_init(&d->mac, m, t, &v.p->q, at, evals);
    d->g = v.g;
    if (v.p->dw1d_offset != 0u) {
        d->dw1d = dw1d_table(m, &v);
        hil_op_set_eval(&d->mac.head, eval_s8_m4_1d, eval_s8);
    }
    return HIL_OK;
}

HIL_OP_REGISTER(depthwise_conv_2d, HIL_OP_DEPTHWISE_CONV_2D, prepare, dw_state_t);
