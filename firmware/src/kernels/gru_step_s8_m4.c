#include "gru_step_impl.h"

/* HIL_GRU_STEP_FAST with the M4 FC kernel: each input row unpacked for SMLAD into the scratch after the
 * six vectors, four units per step. */

static void fc(const hil_gru_step_t *g, int k, const int8_t *in, int8_t *out, int32_t *unpacked)
{
    const hil_gru_fc_t *f = &g->fc[k];
    hil_fully_connected_s8_m4(in, f->weights, f->folded_bias, out, unpacked, 1, (k & 1) ? g->units : g->in_dim,
                              g->units, &f->q, &f->cq, f->rq);
}

void hil_gru_step_s8_m4(const int8_t *x, const int8_t *h, int8_t *out, void *scratch, const hil_gru_step_t *g)
{
    HIL_GRU_STEP_FAST(fc)
}
