/* HIL_GATED_CONV: one DynCP gated residual block (hil/gconv, a custom TFLite
 * op). Inputs: x, the history (a persistent arena tensor: rows, then the ring
 * position), wg1, bg1, wg2, bg2, w1, b1, wd, bd, w2t, b2, scratch; outputs:
 * y and the gates. The record comes from hil/compile/ops/gated_conv.py.
 * prepare checks it and starts the history afresh (u's zero point, slot 0):
 * the runtime prepares again at every stream's start (hil_runtime_restart). */
#include <string.h>

#include "elementwise_ops.h"
#include "hil/kernels_gated_conv.h"
#include "mac_common.h"

#define GATED_CONV_MAX_DIM 1024
#define GATED_CONV_MAX_GATE 64 /* the M4 kernel's z row on its stack */

typedef struct {
    int32_t channels, mid, gate_dim, kernel, dilation, hist_frames;
    int32_t x_zp, z_zp, u_zp, v_zp, p_zp, open;
    uint32_t rescale[HIL_GC_STAGES][2]; /* blob offsets: multipliers, shifts */
    hil_add_params_t add;
} gated_conv_params_t;

enum { IN_X, IN_HIST, IN_WG1, IN_BG1, IN_WG2, IN_BG2, IN_W1, IN_B1, IN_WD, IN_BD, IN_W2T, IN_B2, IN_SCRATCH, N_INPUTS };

static int zp_ok(int32_t zp)
{
    return zp >= -128 && zp <= 127;
}

static int dims_ok(const gated_conv_params_t *p)
{
    return p->channels >= 1 && p->channels <= GATED_CONV_MAX_DIM && p->mid >= 1 && p->mid <= GATED_CONV_MAX_DIM &&
           p->gate_dim >= 1 && p->gate_dim <= GATED_CONV_MAX_GATE && p->kernel >= 2 && p->kernel <= 8 &&
           p->dilation >= 1 && p->dilation <= 64 && p->hist_frames == (p->kernel - 1) * p->dilation &&
           zp_ok(p->x_zp) && zp_ok(p->z_zp) && zp_ok(p->u_zp) && zp_ok(p->v_zp) && zp_ok(p->p_zp) &&
           (p->open == 0 || p->open == 1);
}

static int row_ok(const hil_tensor_t *t, int32_t n, int32_t zp)
{
    return hil_tensor_is(t, HIL_DTYPE_INT8, -1) && t->location == HIL_LOC_ARENA && hil_tensor_elements(t) == n &&
           t->zero_point == zp;
}

/* A constant matrix [rows][cols] (int8) and its bias [bias_n] (int32), the bias within what an int32 sum of
 * `depth` int8 products may add. */
static int weights_ok(const hil_model_t *m, const hil_op_t *op, unsigned w, int32_t rows, int32_t cols,
                      int32_t bias_n, int32_t depth)
{
    const hil_tensor_t *wt = hil_op_tensor(m, op, w), *bt = hil_op_tensor(m, op, w + 1u);
    return hil_tensor_is(wt, HIL_DTYPE_INT8, 2) && wt->location == HIL_LOC_BLOB && wt->dims[0] == rows &&
           wt->dims[1] == cols && hil_tensor_is(bt, HIL_DTYPE_INT32, 1) && bt->location == HIL_LOC_BLOB &&
           bt->dims[0] == bias_n && hil_acc_fits_s8(depth, hil_tensor_data(m, bt), bias_n);
}

static int add_ok(const hil_add_params_t *a, int32_t x_zp, int32_t p_zp)
{
    const int32_t mult[3] = {a->input1_multiplier, a->input2_multiplier, a->output_multiplier};
    const int32_t shift[3] = {a->input1_shift, a->input2_shift, a->output_shift};
    return a->input1_offset == -x_zp && a->input2_offset == -p_zp && a->left_shift == 20 &&
           hil_requant_valid(mult, shift, 3) && zp_ok(a->output_offset) && a->act_min == -128 && a->act_max == 127;
}

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const gated_conv_params_t *p = hil_op_params(m, op, sizeof(gated_conv_params_t));
    if (p == NULL || op->n_inputs != N_INPUTS || op->n_outputs != 2u || !dims_ok(p)) {
        return HIL_ERR_BAD_MODEL;
    }
    const int32_t C = p->channels, M = p->mid, R = p->gate_dim;
    const hil_tensor_t *hist = hil_op_tensor(m, op, IN_HIST), *y = hil_op_output(m, op, 0);
    const int32_t n[HIL_GC_STAGES] = {R, M, M, C};
    for (int k = 0; k < HIL_GC_STAGES; k++) {
        if (!hil_channel_quant_ok(m, p->rescale[k][0], p->rescale[k][1], n[k], HIL_DTYPE_INT8)) {
            return HIL_ERR_BAD_MODEL;
        }
    }
    const hil_tensor_t *wd = hil_op_tensor(m, op, IN_WD);
    if (!row_ok(hil_op_tensor(m, op, IN_X), C, p->x_zp) || !row_ok(hist, p->hist_frames * M + 4, p->u_zp) ||
        (hist->offset & 3u) != 0u || !hil_tensor_is(y, HIL_DTYPE_INT8, -1) || y->location != HIL_LOC_ARENA ||
        hil_tensor_elements(y) != C || y->zero_point != p->add.output_offset ||
        !row_ok(hil_op_output(m, op, 1), M, 0) || !weights_ok(m, op, IN_WG1, R, C, R, C) ||
        !weights_ok(m, op, IN_WG2, M, R, M, R) || !weights_ok(m, op, IN_W1, M, C, M, C) ||
        !weights_ok(m, op, IN_WD, p->kernel, M, M, p->kernel) || !weights_ok(m, op, IN_W2T, M, C, C, M) ||
        wd->dims[0] != p->kernel || !add_ok(&p->add, p->x_zp, p->p_zp) ||
        !hil_scratch_ok(hil_op_tensor(m, op, IN_SCRATCH), (uint32_t)HIL_GATED_CONV_SCRATCH(C, M, R)) ||
        (hil_op_tensor(m, op, IN_SCRATCH)->offset & 3u) != 0u) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

typedef struct {
    hil_op_state_t head;
    hil_gated_conv_t k;
    hil_add_m4_t add_m4;
    const int8_t *x;
    int8_t *hist, *y, *gates;
    void *scratch;
} gated_conv_state_t;

#define STATE(s) ((const gated_conv_state_t *)(const void *)(s))

static void eval_m4(const hil_op_state_t *s)
{
    hil_gated_conv_s8_m4(&STATE(s)->k, STATE(s)->x, STATE(s)->hist, STATE(s)->y, STATE(s)->gates, STATE(s)->scratch);
}

static void eval_ref(const hil_op_state_t *s)
{
    hil_gated_conv_s8(&STATE(s)->k, STATE(s)->x, STATE(s)->hist, STATE(s)->y, STATE(s)->gates, STATE(s)->scratch);
}

static const void *data(const hil_model_t *m, const hil_op_t *op, unsigned i)
{
    return hil_mac_data(m, hil_mac_tensor(m, op, i));
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    hil_status_t st = check(m, op);
    if (st != HIL_OK) {
        return st;
    }
    const gated_conv_params_t *p = hil_op_params(m, op, sizeof(gated_conv_params_t));
    gated_conv_state_t *g = (gated_conv_state_t *)(void *)s;
    g->k = (hil_gated_conv_t){
        .channels = p->channels, .mid = p->mid, .gate_dim = p->gate_dim, .kernel = p->kernel,
        .dilation = p->dilation, .hist_frames = p->hist_frames, .x_zp = p->x_zp, .z_zp = p->z_zp,
        .u_zp = p->u_zp, .v_zp = p->v_zp, .p_zp = p->p_zp, .open = p->open,
        .wg1 = data(m, op, IN_WG1), .wg2 = data(m, op, IN_WG2), .w1 = data(m, op, IN_W1), .wd = data(m, op, IN_WD),
        .w2t = data(m, op, IN_W2T), .bg1 = data(m, op, IN_BG1), .bg2 = data(m, op, IN_BG2), .b1 = data(m, op, IN_B1),
        .bd = data(m, op, IN_BD), .b2 = data(m, op, IN_B2), .add = &p->add,
    };
    for (int k = 0; k < HIL_GC_STAGES; k++) {
        const size_t n = (size_t)(k == HIL_GC_GATE ? p->gate_dim : k == HIL_GC_PROJECT ? p->channels : p->mid);
        g->k.multiplier[k] = hil_model_const(m, p->rescale[k][0], n * sizeof(int32_t));
        g->k.shift[k] = hil_model_const(m, p->rescale[k][1], n * sizeof(int32_t));
    }
    g->k.add_m4 = hil_add_s8_m4_prepare(&p->add, &g->add_m4) ? &g->add_m4 : NULL;
    g->x = data(m, op, IN_X);
    g->hist = hil_mac_data(m, hil_mac_tensor(m, op, IN_HIST));
    g->y = hil_mac_data(m, hil_mac_tensor(m, op, N_INPUTS));
    g->gates = hil_mac_data(m, hil_mac_tensor(m, op, N_INPUTS + 1u));
    g->scratch = hil_mac_data(m, hil_mac_tensor(m, op, IN_SCRATCH));
    memset(g->hist, p->u_zp, (size_t)(p->hist_frames * p->mid + 4)); /* rows of zeros (u_zp) */
    memset(g->hist + p->hist_frames * p->mid, 0, 4u);                /* the ring starts at slot 0 */
    hil_op_set_eval(s, eval_m4, eval_ref);
    return HIL_OK;
}

HIL_OP_REGISTER(gated_conv, HIL_OP_GATED_CONV, prepare, gated_conv_state_t);
