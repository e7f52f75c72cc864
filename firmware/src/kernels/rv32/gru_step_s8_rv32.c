#include "../gru_step_impl.h"
#include "hil/kernels_rv32.h"

/* HIL_GRU_STEP_FAST with the RV32 FC kernel (four units a pass, no unpacked copy of the input row). */

static void fc(const hil_gru_step_t *g, int k, const int8_t *in, int8_t *out, int32_t *scratch)
{
    const hil_gru_fc_t *f = &g->fc[k];
    hil_fully_connected_s8_rv32(in, f->weights, f->folded_bias, out, scratch, 1, (k & 1) ? g->units : g->in_dim,
                                g->units, &f->q, &f->cq, f->rq);
}

void hil_gru_step_s8_rv32(const int8_t *x, const int8_t *h, int8_t *out, void *scratch, const hil_gru_step_t *g)
{
    HIL_GRU_STEP_FAST(fc)
}
