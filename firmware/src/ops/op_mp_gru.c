/* HIL_MP_GRU: one step of the mixed-precision integer GRU (hil/mpgru, a custom
 * TFLite op). Inputs: x (int8), state (int8), packed W_z, W_r, W_h, U_z, U_r,
 * U_h, b_z, b_r, b_h_in, b_h_rec (uint8 constants), scratch; one output, the
 * new state. Parameters come from hil/compile/ops/mp_gru.py. */
#include "hil/kernels_mp_gru.h"
#include "hil/op.h"
#include "mac_common.h"

#define MP_GRU_MAX_DIM 4096 /* keeps every int32 dot product and scratch size far from overflow */

typedef struct {
    int32_t in_dim, units, x_zp, reserved;
    uint8_t bits[HIL_MPG_N_BITS], pad[2];
    int32_t multiplier[HIL_MPM_N];
    int32_t shift[HIL_MPM_N];
    uint32_t lut_offset[3]; /* blob: lut_z, lut_r (uint8), lut_h (int8) */
} mp_gru_params_t;

enum { IN_X, IN_H, IN_W0, IN_B0 = IN_W0 + 6, IN_SCRATCH = IN_B0 + 4, N_INPUTS };

static const mp_gru_params_t *params(const hil_model_t *m, const hil_op_t *op)
{
    return (const mp_gru_params_t *)(const void *)(m->blob + op->params_offset);
}

static hil_mp_gru_t kernel_args(const hil_model_t *m, const hil_op_t *op)
{
    const mp_gru_params_t *p = params(m, op);
    hil_mp_gru_t k = {
        .in_dim = p->in_dim, .units = p->units, .x_zp = p->x_zp, .bits = p->bits,
        .multiplier = p->multiplier, .shift = p->shift,
        .lut_z = m->blob + p->lut_offset[0], .lut_r = m->blob + p->lut_offset[1],
        .lut_h = (const int8_t *)(m->blob + p->lut_offset[2]),
    };
    for (int i = 0; i < 6; i++) {
        k.w[i] = hil_mac_data(m, hil_mac_tensor(m, op, IN_W0 + i));
    }
    for (int i = 0; i < 4; i++) {
        k.b[i] = hil_mac_data(m, hil_mac_tensor(m, op, IN_B0 + i));
    }
    return k;
}

/* A packed constant of exactly `bytes` bytes. */
static int packed_ok(const hil_tensor_t *t, int32_t bytes)
{
    return hil_tensor_is(t, HIL_DTYPE_UINT8, -1) && t->location == HIL_LOC_BLOB && t->bytes == (uint32_t)bytes;
}

static int luts_ok(const hil_model_t *m, const mp_gru_params_t *p)
{
    const uint8_t *B = p->bits;
    const int32_t pre[3] = {B[HIL_MPG_Z_PRE], B[HIL_MPG_R_PRE], B[HIL_MPG_H_PRE]};
    for (int i = 0; i < 3; i++) {
        const uint8_t *lut = hil_model_const(m, p->lut_offset[i], (size_t)1 << pre[i]);
        if (lut == NULL) {
            return 0;
        }
        for (int32_t q = 0; q < (1 << pre[i]); q++) {
            const int32_t v = i < 2 ? lut[q] : (int8_t)lut[q];
            const int32_t hi = i < 2 ? (1 << B[HIL_MPG_Z + i]) - 1 : (1 << (B[HIL_MPG_H_CAND] - 1)) - 1;
            if (v > hi || v < (i < 2 ? 0 : -hi)) {
                return 0;
            }
        }
    }
    return 1;
}

static int shapes_ok(const hil_model_t *m, const hil_op_t *op, const mp_gru_params_t *p)
{
    const int32_t I = p->in_dim, H = p->units;
    const hil_tensor_t *x = hil_op_tensor(m, op, IN_X), *h = hil_op_tensor(m, op, IN_H);
    const hil_tensor_t *out = hil_op_output(m, op, 0), *scratch = hil_op_tensor(m, op, IN_SCRATCH);
    if (!hil_tensor_is(x, HIL_DTYPE_INT8, -1) || !hil_tensor_is(h, HIL_DTYPE_INT8, -1) ||
        !hil_tensor_is(out, HIL_DTYPE_INT8, -1) || x->zero_point != p->x_zp || h->zero_point != 0 ||
        out->zero_point != 0 || x->location != HIL_LOC_ARENA || h->location != HIL_LOC_ARENA ||
        out->location != HIL_LOC_ARENA || hil_tensor_elements(x) % I != 0) {
        return 0;
    }
    const int32_t batches = hil_tensor_elements(x) / I;
    if (batches <= 0 || hil_tensor_elements(h) != batches * H || hil_tensor_elements(out) != batches * H ||
        !hil_scratch_ok(scratch, (uint32_t)HIL_MP_GRU_M4_SCRATCH(I, H)) || (scratch->offset & 3u) != 0u) {
        return 0;
    }
    for (int i = 0; i < 6; i++) {
        const int32_t n = i < 3 ? I : H;
        if (!packed_ok(hil_op_tensor(m, op, IN_W0 + i), H * HIL_MP_ROW_BYTES(n, p->bits[i]))) {
            return 0;
        }
    }
    for (int i = 0; i < 4; i++) {
        if (!packed_ok(hil_op_tensor(m, op, IN_B0 + i), HIL_MP_ROW_BYTES(H, p->bits[HIL_MPG_B_Z + (i < 2 ? i : 2)]))) {
            return 0;
        }
    }
    return 1;
}

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const mp_gru_params_t *p = hil_op_params(m, op, sizeof(mp_gru_params_t));
    if (p == NULL || op->n_inputs != N_INPUTS || op->n_outputs != 1u || p->in_dim <= 0 ||
        p->in_dim > MP_GRU_MAX_DIM || p->units <= 0 || p->units > MP_GRU_MAX_DIM || p->x_zp < -128 ||
        p->x_zp > 127) {
        return HIL_ERR_BAD_MODEL;
    }
    for (int i = 0; i < HIL_MPG_N_BITS; i++) {
        if (p->bits[i] < 2u || p->bits[i] > 8u) {
            return HIL_ERR_BAD_MODEL;
        }
    }
    if (!hil_requant_valid(p->multiplier, p->shift, HIL_MPM_N) || !luts_ok(m, p) || !shapes_ok(m, op, p)) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

typedef struct {
    hil_op_state_t head;
    hil_mp_gru_t k;
    const int8_t *x, *h;
    int8_t *out;
    void *scratch;
    int32_t batches;
} mp_gru_state_t;

static void eval_ref(const hil_op_state_t *s)
{
    const mp_gru_state_t *g = (const mp_gru_state_t *)(const void *)s;
    hil_mp_gru_s8(&g->k, g->x, g->h, g->out, g->batches);
}

static void eval_m4(const hil_op_state_t *s)
{
    const mp_gru_state_t *g = (const mp_gru_state_t *)(const void *)s;
    hil_mp_gru_s8_m4(&g->k, g->x, g->h, g->out, g->batches, g->scratch);
}

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    hil_status_t st = check(m, op);
    if (st != HIL_OK) {
        return st;
    }
    mp_gru_state_t *g = (mp_gru_state_t *)(void *)s;
    const hil_tensor_t *x = hil_mac_tensor(m, op, IN_X);
    g->k = kernel_args(m, op);
    g->x = hil_mac_data(m, x);
    g->h = hil_mac_data(m, hil_mac_tensor(m, op, IN_H));
    g->out = hil_mac_data(m, hil_mac_tensor(m, op, op->n_inputs));
    g->scratch = hil_mac_data(m, hil_mac_tensor(m, op, IN_SCRATCH));
    g->batches = hil_tensor_elements(x) / g->k.in_dim;
    hil_op_set_eval(s, eval_m4, eval_ref);
    return HIL_OK;
}

HIL_OP_REGISTER(mp_gru, HIL_OP_MP_GRU, prepare, mp_gru_state_t);
