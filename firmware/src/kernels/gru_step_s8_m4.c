#include "gru_step_impl.h"

/* The six FULLY_CONNECTEDs by the optimised FC kernel into int8 vectors (each
 * input row unpacked for SMLAD, four units per step), then one pass over the
 * units runs each one's element-wise chain in registers: the ten element-wise
 * ops of the graph with their intermediates never stored, the three
 * activations looked up (gru_step_impl.h). With reset_after = 0, FC_hh reads
 * MUL(r, h) of every unit, so the pass is split around it: z and r*h are
 * written over the z_x and r_x vectors. Scratch: the six vectors (units
 * rounded up to 4 each), then the FC kernel's unpacked input row. */

typedef struct {
    hil_gru_ew_fast_t e;
    const int8_t *lut_z, *lut_r, *lut_h; /* indexed -128..127 */
} chain_t;

static void fc(const hil_gru_step_t *g, int k, const int8_t *in, int8_t *out, int32_t *unpacked)
{
    const hil_gru_fc_t *f = &g->fc[k];
    hil_fully_connected_s8_m4(in, f->weights, f->folded_bias, out, unpacked, 1, (k & 1) ? g->units : g->in_dim,
                              g->units, &f->q, &f->cq, f->rq);
}

/* LOGISTIC or TANH (by its table) of ADD(a, b). */
static inline int32_t act(const int8_t *lut, int32_t a, int32_t b, const hil_gru_add_t *p)
{
    return lut[hil_gru_add(a, b, p, 0)];
}

/* h' = ADD(c, MUL(z, SUB(h, c))) with c = TANH(ADD(hx, q)). */
static inline int8_t update(const chain_t *c, int32_t z, int32_t hx, int32_t q, int32_t h)
{
    const int32_t cand = act(c->lut_h, hx, q, &c->e.add_h);
    return (int8_t)hil_gru_add(cand, hil_gru_mul(z, hil_gru_add(h, cand, &c->e.sub, 1), &c->e.mul_z), &c->e.add_out, 0);
}

void hil_gru_step_s8_m4(const int8_t *x, const int8_t *h, int8_t *out, void *scratch, const hil_gru_step_t *g)
{
    const int32_t n = g->units, stride = (n + 3) & ~3;
    int8_t *v[HIL_GRU_FCS];
    for (int k = 0; k < HIL_GRU_FCS; k++) {
        v[k] = (int8_t *)scratch + k * stride;
    }
    int32_t *unpacked = (int32_t *)(void *)((int8_t *)scratch + HIL_GRU_FCS * stride);
    chain_t c = {.lut_z = g->ew->lut_z + 128, .lut_r = g->ew->lut_r + 128, .lut_h = g->ew->lut_h + 128};
    hil_gru_ew_prepare(&c.e, g->ew);
    for (int k = 0; k < HIL_GRU_HH; k++) {
        fc(g, k, (k & 1) ? h : x, v[k], unpacked);
    }
    const int8_t *zx = v[HIL_GRU_ZX], *zh = v[HIL_GRU_ZH], *rx = v[HIL_GRU_RX], *rh = v[HIL_GRU_RH];
    const int8_t *hx = v[HIL_GRU_HX], *hh = v[HIL_GRU_HH];
    if (g->reset_after) {
        fc(g, HIL_GRU_HH, h, v[HIL_GRU_HH], unpacked);
        for (int32_t i = 0; i < n; i++) {
            const int32_t z = act(c.lut_z, zx[i], zh[i], &c.e.add_z);
            const int32_t r = act(c.lut_r, rx[i], rh[i], &c.e.add_r);
            out[i] = update(&c, z, hx[i], hil_gru_mul(r, hh[i], &c.e.mul_r), h[i]);
        }
        return;
    }
    int8_t *zs = v[HIL_GRU_ZX], *rs = v[HIL_GRU_RX]; /* z and MUL(r, h) over z_x and r_x */
    for (int32_t i = 0; i < n; i++) {
        zs[i] = (int8_t)act(c.lut_z, zx[i], zh[i], &c.e.add_z);
        rs[i] = (int8_t)hil_gru_mul(act(c.lut_r, rx[i], rh[i], &c.e.add_r), h[i], &c.e.mul_r);
    }
    fc(g, HIL_GRU_HH, rs, v[HIL_GRU_HH], unpacked);
    for (int32_t i = 0; i < n; i++) {
        out[i] = update(&c, zs[i], hx[i], hh[i], h[i]);
    }
}
