/* Private to src/kernels: what the two gated-conv kernels share (the scratch
 * layout, the history ring, the per-channel requantisation). */
#ifndef HIL_GATED_CONV_IMPL_H
#define HIL_GATED_CONV_IMPL_H

#include <string.h>

#include "hil/kernels_gated_conv.h"
#include "hil/qmath.h"

/* The M4 kernel defines it as hil_requantize_fast (bit for bit the same for what prepare admits). */
#ifndef HIL_GC_REQUANTIZE
#define HIL_GC_REQUANTIZE hil_requantize
#endif

typedef struct {
    int32_t *acc;  /* C: projection accumulators */
    int16_t *xin;  /* C4: x - x_zp, laid out for the kernel's dot products */
    int16_t *z;    /* R4: z - z_zp, likewise */
    int16_t *kept; /* M4: indices of the kept channels */
    int16_t *vk;   /* M4: v - v_zp of each kept channel, in kept order */
    int8_t *u;     /* M4: this frame's u row */
} hil_gc_scratch_t;

static inline hil_gc_scratch_t hil_gc_scratch(const hil_gated_conv_t *k, void *scratch)
{
    hil_gc_scratch_t s;
    uint8_t *p = (uint8_t *)scratch;
    s.acc = (int32_t *)(void *)p, p += 4 * HIL_GC_C4(k->channels);
    s.xin = (int16_t *)(void *)p, p += 2 * HIL_GC_C4(k->channels);
    s.z = (int16_t *)(void *)p, p += 2 * HIL_GC_C4(k->gate_dim);
    s.kept = (int16_t *)(void *)p, p += 2 * HIL_GC_C4(k->mid);
    s.vk = (int16_t *)(void *)p, p += 2 * HIL_GC_C4(k->mid);
    s.u = (int8_t *)p;
    return s;
}

static inline int32_t hil_gc_out(int32_t acc, const hil_gated_conv_t *k, int stage, int32_t c, int32_t zp,
                                 int32_t lo)
{
    return hil_clamp(HIL_GC_REQUANTIZE(acc, k->multiplier[stage][c], k->shift[stage][c]) + zp, lo, 127);
}

static inline uint32_t hil_gc_pos(const hil_gated_conv_t *k, const int8_t *hist)
{
    uint32_t pos;
    memcpy(&pos, hist + k->hist_frames * k->mid, sizeof(pos));
    return pos < (uint32_t)k->hist_frames ? pos : 0u; /* a history never written reads as zeros: slot 0 */
}

/* A static block's gates: every channel kept. Returns M. */
static inline int32_t hil_gc_all_open(const hil_gated_conv_t *k, int8_t *gates, const hil_gc_scratch_t *s)
{
    for (int32_t c = 0; c < k->mid; c++) {
        gates[c] = 1;
        s->kept[c] = (int16_t)c;
    }
    return k->mid;
}

/* The depthwise conv of kept channel c whose new u is `u`, history taps from the ring at pos. */
static inline int32_t hil_gc_depthwise(const hil_gated_conv_t *k, const int8_t *hist, uint32_t pos, int32_t c,
                                       int32_t u)
{
    int32_t acc = k->bd[c];
    uint32_t slot = pos;
    for (int32_t t = 0; t < k->kernel - 1; t++) {
        acc += k->wd[t * k->mid + c] * (hist[slot * (uint32_t)k->mid + (uint32_t)c] - k->u_zp);
        slot += (uint32_t)k->dilation;
        slot = slot >= (uint32_t)k->hist_frames ? slot - (uint32_t)k->hist_frames : slot;
    }
    acc += k->wd[(k->kernel - 1) * k->mid + c] * (u - k->u_zp);
    return hil_gc_out(acc, k, HIL_GC_DEPTHWISE, c, k->v_zp, k->v_zp);
}

/* Write this frame's u row (pruned channels at u_zp) into the oldest slot and advance the ring. */
static inline void hil_gc_push(const hil_gated_conv_t *k, int8_t *hist, uint32_t pos, const hil_gc_scratch_t *s,
                               int32_t n)
{
    int8_t *row = hist + pos * (uint32_t)k->mid;
    memset(row, k->u_zp, (size_t)k->mid);
    for (int32_t j = 0; j < n; j++) {
        row[s->kept[j]] = s->u[s->kept[j]];
    }
    pos = pos + 1u == (uint32_t)k->hist_frames ? 0u : pos + 1u;
    memcpy(hist + k->hist_frames * k->mid, &pos, sizeof(pos));
}

#endif
