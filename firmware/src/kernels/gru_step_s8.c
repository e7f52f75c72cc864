#include "hil/kernels_gru_step.h"

/* FULLY_CONNECTED k of the cell on in (in_dim values for the _X ones, units for the _H ones). */
static void fc(const hil_gru_step_t *g, int k, const int8_t *in, int8_t *out)
{
    const hil_gru_fc_t *f = &g->fc[k];
    const int32_t depth = (k & 1) ? g->units : g->in_dim;
    hil_fully_connected_s8(in, f->weights, f->bias, out, 1, depth, g->units, &f->q, &f->cq);
}

/* The graph's ops in turn, each by its own reference kernel; the element-wise
 * ones in place where their output replaces an input of the same walk. */
void hil_gru_step_s8(const int8_t *x, const int8_t *h, int8_t *out, void *scratch, const hil_gru_step_t *g)
{
    const int32_t n = g->units;
    const hil_gru_ew_t *e = g->ew;
    const hil_broadcast_t row = {{1, 1, 1, n}, {0, 0, 0, 1}, {0, 0, 0, 1}};
    int8_t *z = scratch, *r = z + n, *q = r + n, *rs = q + n, *c = rs + n, *d = c + n;
    fc(g, HIL_GRU_ZX, x, z);
    fc(g, HIL_GRU_ZH, h, q);
    hil_add_s8(z, q, z, &row, &e->add_z);
    hil_logistic_s8(z, z, n, &e->sig_z);
    fc(g, HIL_GRU_RX, x, r);
    fc(g, HIL_GRU_RH, h, q);
    hil_add_s8(r, q, r, &row, &e->add_r);
    hil_logistic_s8(r, r, n, &e->sig_r);
    if (g->reset_after) {
        fc(g, HIL_GRU_HH, h, q);
        hil_mul_s8(r, q, q, &row, &e->mul_r);
    } else {
        hil_mul_s8(r, h, rs, &row, &e->mul_r);
        fc(g, HIL_GRU_HH, rs, q);
    }
    fc(g, HIL_GRU_HX, x, c);
    hil_add_s8(c, q, c, &row, &e->add_h);
    hil_tanh_s8(c, c, n, &e->tanh);
    hil_sub_s8(h, c, d, &row, &e->sub);
    hil_mul_s8(z, d, d, &row, &e->mul_z);
    hil_add_s8(c, d, out, &row, &e->add_out);
}
