/* The gated residual block, Cortex-M4 form (hil/kernels_gated_conv.h): the
 * dot products of the gate head and of the kept expansion rows are SMLADs of
 * weight words (SXTB16: bytes 0 and 2, then 1 and 3) against the offset input
 * laid out once per frame in that order; the projection adds the columns of
 * two kept channels at a time into four accumulators per step (each SMLAD
 * takes one weight of each channel against the pair of their v values). */
#define HIL_GC_REQUANTIZE hil_requantize_fast
#include "elementwise_impl.h"
#include "gated_conv_impl.h"
#include "simd_m4.h"

/* v[0..n) + offset as int16 in SMLAD order: per 4 values (0, 2), (1, 3); the tail as is. */
static void layout(const int8_t *v, int32_t n, int32_t offset, int16_t *d)
{
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        d[i] = (int16_t)(v[i] + offset), d[i + 1] = (int16_t)(v[i + 2] + offset);
        d[i + 2] = (int16_t)(v[i + 1] + offset), d[i + 3] = (int16_t)(v[i + 3] + offset);
    }
    for (; i < n; i++) {
        d[i] = (int16_t)(v[i] + offset);
    }
}

/* w[0..n) . xl (laid out by layout()); xl 4-aligned. */
static int32_t dot(const int8_t *w, const int16_t *xl, int32_t n, int32_t acc)
{
    const int32_t *xp = (const int32_t *)(const void *)xl;
    int32_t i = 0;
    for (; i + 8 <= n; i += 8, xp += 4) {
        const int32_t w0 = hil_read_s8x4(w + i), w1 = hil_read_s8x4(w + i + 4);
        acc = hil_smlad(hil_sxtb16(w0), xp[0], acc);
        acc = hil_smlad(hil_sxtb16_ror8(w0), xp[1], acc);
        acc = hil_smlad(hil_sxtb16(w1), xp[2], acc);
        acc = hil_smlad(hil_sxtb16_ror8(w1), xp[3], acc);
    }
    if (i + 4 <= n) {
        const int32_t w0 = hil_read_s8x4(w + i);
        acc = hil_smlad(hil_sxtb16(w0), xp[0], acc);
        acc = hil_smlad(hil_sxtb16_ror8(w0), xp[1], acc);
        i += 4;
    }
    for (; i < n; i++) {
        acc += w[i] * xl[i];
    }
    return acc;
}

static int32_t gate_head(const hil_gated_conv_t *k, int8_t *gates, const hil_gc_scratch_t *s)
{
    const int32_t C = k->channels, R = k->gate_dim;
    if (k->open) {
        return hil_gc_all_open(k, gates, s);
    }
    for (int32_t r = 0; r < R; r++) { /* z - z_zp (0..255) straight into the SMLAD order */
        const int32_t z = hil_gc_out(dot(k->wg1 + r * C, s->xin, C, k->bg1[r]), k, HIL_GC_GATE, r, k->z_zp, k->z_zp);
        const int32_t at = r < (R & ~3) ? (r & ~3) + ((r & 1) << 1) + ((r & 2) >> 1) : r;
        s->z[at] = (int16_t)(z - k->z_zp);
    }
    int32_t n = 0;
    for (int32_t c = 0; c < k->mid; c++) {
        const int32_t keep = dot(k->wg2 + c * R, s->z, R, k->bg2[c]) > 0;
        gates[c] = (int8_t)keep;
        s->kept[n] = (int16_t)c;
        n += keep;
    }
    return n;
}

/* (a.lo, b.lo) and (a.hi, b.hi) as (low, high) halfwords: PKHBT, PKHTB. */
static inline int32_t pack_lo(int32_t a, int32_t b)
{
    return hil_pkhbt(a, b);
}

static inline int32_t pack_hi(int32_t a, int32_t b)
{
    return hil_pkhtb(b, a);
}

/* Four outputs' accumulators plus one pair of channels' weights (words a, b at four outputs) times vv. */
#define HIL_GC_PAIR(a, b, vv, r0, r1, r2, r3)                                                               \
    do {                                                                                                    \
        const int32_t ae_ = hil_sxtb16(a), be_ = hil_sxtb16(b);                                             \
        const int32_t ao_ = hil_sxtb16_ror8(a), bo_ = hil_sxtb16_ror8(b);                                   \
        r0 = hil_smlad(pack_lo(ae_, be_), vv, r0);                                                          \
        r1 = hil_smlad(pack_lo(ao_, bo_), vv, r1);                                                          \
        r2 = hil_smlad(pack_hi(ae_, be_), vv, r2);                                                          \
        r3 = hil_smlad(pack_hi(ao_, bo_), vv, r3);                                                          \
    } while (0)

/* acc[o] += the transposed projection's rows w[0..3] (four kept channels) times v[0..3]; w[2] == w[3] and
 * v[3] == 0 make it three, and so on. The scalar tail takes outputs past the last whole word. */
static void project_quad(const int8_t *const w[4], const int32_t v[4], int32_t *acc, int32_t C)
{
    const int32_t v01 = pack_lo(v[0], v[1]), v23 = pack_lo(v[2], v[3]);
    int32_t o = 0;
    for (; o + 4 <= C; o += 4) {
        int32_t r0 = acc[o], r1 = acc[o + 1], r2 = acc[o + 2], r3 = acc[o + 3];
        HIL_GC_PAIR(hil_read_s8x4(w[0] + o), hil_read_s8x4(w[1] + o), v01, r0, r1, r2, r3);
        HIL_GC_PAIR(hil_read_s8x4(w[2] + o), hil_read_s8x4(w[3] + o), v23, r0, r1, r2, r3);
        acc[o] = r0, acc[o + 1] = r1, acc[o + 2] = r2, acc[o + 3] = r3;
    }
    for (; o < C; o++) {
        acc[o] += w[0][o] * v[0] + w[1][o] * v[1] + w[2][o] * v[2] + w[3][o] * v[3];
    }
}

/* The projection over the kept channels, four at a time (the last group padded with v = 0). */
static void project(const hil_gated_conv_t *k, const hil_gc_scratch_t *s, int32_t n)
{
    const int32_t C = k->channels;
    for (int32_t j = 0; j < n; j += 4) {
        const int8_t *w[4];
        int32_t v[4];
        for (int32_t i = 0; i < 4; i++) {
            const int32_t at = j + i < n ? j + i : j;
            w[i] = k->w2t + s->kept[at] * C;
            v[i] = j + i < n ? s->vk[at] : 0;
        }
        project_quad(w, v, s->acc, C);
    }
}

static void residual(const hil_gated_conv_t *k, const int8_t *x, int8_t *y)
{
    const hil_broadcast_t row = {{1, 1, 1, k->channels}, {0, 0, 0, 1}, {0, 0, 0, 1}};
    if (k->add_m4 != NULL) {
        hil_add_s8_m4(x, y, y, &row, k->add_m4);
    } else {
        hil_add_s8(x, y, y, &row, k->add);
    }
}

int32_t hil_gated_conv_s8_m4(const hil_gated_conv_t *k, const int8_t *x, int8_t *hist, int8_t *y, int8_t *gates,
                             void *scratch)
{
    const hil_gc_scratch_t s = hil_gc_scratch(k, scratch);
    const int32_t C = k->channels;
    layout(x, C, -k->x_zp, s.xin);
    const int32_t n = gate_head(k, gates, &s);
    const uint32_t pos = hil_gc_pos(k, hist);
    for (int32_t j = 0; j < n; j++) {
        const int32_t c = s.kept[j];
        const int32_t u = hil_gc_out(dot(k->w1 + c * C, s.xin, C, k->b1[c]), k, HIL_GC_EXPAND, c, k->u_zp, k->u_zp);
        s.u[c] = (int8_t)u;
        s.vk[j] = (int16_t)(hil_gc_depthwise(k, hist, pos, c, u) - k->v_zp);
    }
    memcpy(s.acc, k->b2, (size_t)C * sizeof(int32_t));
    project(k, &s, n);
    for (int32_t o = 0; o < C; o++) {
        y[o] = (int8_t)hil_gc_out(s.acc[o], k, HIL_GC_PROJECT, o, k->p_zp, -128);
    }
    residual(k, x, y);
    hil_gc_push(k, hist, pos, &s, n);
    return n;
}
