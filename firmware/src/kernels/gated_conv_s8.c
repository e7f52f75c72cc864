/* The gated residual block, plain C (hil/kernels_gated_conv.h). */
#include "elementwise_impl.h"
#include "gated_conv_impl.h"

static int32_t dot(const int8_t *w, const int8_t *x, int32_t offset, int32_t n, int32_t acc)
{
    for (int32_t i = 0; i < n; i++) {
        acc += w[i] * (x[i] + offset);
    }
    return acc;
}

/* The gate head: the kept channels' indices into s->kept, gates[] set; returns their count. */
static int32_t gate_head(const hil_gated_conv_t *k, const int8_t *x, int8_t *gates, const hil_gc_scratch_t *s)
{
    const int32_t C = k->channels, R = k->gate_dim;
    if (k->open) {
        return hil_gc_all_open(k, gates, s);
    }
    for (int32_t r = 0; r < R; r++) {
        const int32_t acc = dot(k->wg1 + r * C, x, -k->x_zp, C, k->bg1[r]);
        s->z[r] = (int16_t)(hil_gc_out(acc, k, HIL_GC_GATE, r, k->z_zp, k->z_zp) - k->z_zp);
    }
    int32_t n = 0;
    for (int32_t c = 0; c < k->mid; c++) {
        int32_t acc = k->bg2[c];
        for (int32_t r = 0; r < R; r++) {
            acc += k->wg2[c * R + r] * s->z[r];
        }
        gates[c] = (int8_t)(acc > 0);
        if (acc > 0) {
            s->kept[n++] = (int16_t)c;
        }
    }
    return n;
}

int32_t hil_gated_conv_s8(const hil_gated_conv_t *k, const int8_t *x, int8_t *hist, int8_t *y, int8_t *gates,
                          void *scratch)
{
    const hil_gc_scratch_t s = hil_gc_scratch(k, scratch);
    const int32_t C = k->channels, n = gate_head(k, x, gates, &s);
    const uint32_t pos = hil_gc_pos(k, hist);
    for (int32_t j = 0; j < n; j++) {
        const int32_t c = s.kept[j];
        const int32_t u = hil_gc_out(dot(k->w1 + c * C, x, -k->x_zp, C, k->b1[c]), k, HIL_GC_EXPAND, c, k->u_zp, k->u_zp);
        s.u[c] = (int8_t)u;
        s.vk[j] = (int16_t)(hil_gc_depthwise(k, hist, pos, c, u) - k->v_zp);
    }
    for (int32_t o = 0; o < C; o++) {
        s.acc[o] = k->b2[o];
    }
    for (int32_t j = 0; j < n; j++) {
        const int8_t *w = k->w2t + s.kept[j] * C;
        for (int32_t o = 0; o < C; o++) {
            s.acc[o] += w[o] * s.vk[j];
        }
    }
    for (int32_t o = 0; o < C; o++) {
        const int32_t p = hil_gc_out(s.acc[o], k, HIL_GC_PROJECT, o, k->p_zp, -128);
        y[o] = (int8_t)hil_add_elem(x[o], p, k->add);
    }
    hil_gc_push(k, hist, pos, &s, n);
    return n;
}
