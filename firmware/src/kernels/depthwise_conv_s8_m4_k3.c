/* DEPTHWISE_CONV_2D with a 3-wide kernel at stride 1 and depth multiplier 1,
 * for hil_depthwise_conv_s8_m4: a channel at a time, so that its weights and
 * requantisation stay in registers, from four channels' int16 planes
 * (depthwise_conv_s8_m4_planes.c) in which the three taps of output x and
 * those of x + dil are one pair of words: A = (v0, v1), B = (v2, v3), and
 * with the weights doubled as pairs
 *   out(x)     = SMLAD(A, (w0, w1)) + v2 * w2 (SMLABT with (w1, w2)),
 *   out(x + d) = v1 * w0 (SMLATB)   + SMLAD(B, (w1, w2)).
 * The sums are 2 * acc, which lets one SMMLAR do TFLite's two roundings:
 * floor((2 acc m + 2^31 + c 2^32) / 2^32) = c + SaturatingRoundingDoublingHighMul(acc, m),
 * c = 2^(e-1) - [acc < 0] + output_offset * 2^e, then >> e (e = -shift):
 * exact while |2 acc| < 2^31 and c cannot overflow, which the entry checks
 * (|bias| < 2^29, e <= 22; else the caller's general path). */
#include <string.h>

#include "depthwise_m4.h"
#include "simd_m4.h"

typedef hil_dw_planes_t planes_t;
typedef hil_dw_chan_t chan_t;

/* Whether the SMMLAR form cannot overflow for any channel. */
static int in_range(const int32_t *bias, const hil_requant_t *rq, int32_t channels)
{
    for (int32_t c = 0; c < channels; c++) {
        const int32_t b = bias ? bias[c] : 0;
        if (b <= -(1 << 29) || b >= (1 << 29) || rq[c].e1 >= 22) {
            return 0;
        }
    }
    return 1;
}

/* Channel c's weights (doubled, in pairs), bias and requantisation. */
static void channel_setup(const int8_t *weights, const int32_t *bias, const hil_requant_t *rq, int32_t c,
                          const hil_act_quant_t *q, const hil_conv_geom_t *g, chan_t *ch)
{
    const int32_t e = rq[c].e1 + 1, in_offset = q->input_offset;
    int32_t b = bias ? bias[c] : 0; /* plus input_offset * sum(w): the planes hold x, and the zero point where padded */
    const int8_t *w = weights + c;
    for (int32_t ky = 0, C = g->in_ch; ky < g->k_h; ky++, w += 3 * C) {
        const int32_t w0 = w[0], w1 = w[C], w2 = w[2 * C];
        b += in_offset * (w0 + w1 + w2);
        ch->w[2 * ky] = hil_pkhbt(2 * w0, 2 * w1), ch->w[2 * ky + 1] = hil_pkhbt(2 * w1, 2 * w2);
    }
    ch->bias2 = 2 * b, ch->m = rq[c].multiplier, ch->e = e, ch->next = g->dil_w * g->out_ch;
    ch->c = (1 << (e - 1)) + (int32_t)((uint32_t)q->output_offset << e);
}

__attribute__((always_inline)) static inline int8_t requant(int32_t a, int32_t m, int32_t e, int32_t c, int32_t lo,
                                                            int32_t hi, const int full)
{
    const int32_t r = hil_smmlar(a, m, c + (a >> 31)) >> e;
    return (int8_t)(full ? HIL_SSAT(r, 8) : hil_clamp(r, lo, hi));
}

/* The pair's sums over one kernel row: plane position r, the row's weight pairs w[0], w[1]. */
__attribute__((always_inline)) static inline void tap(const int16_t *r, const int32_t *w, int32_t *a0, int32_t *a1)
{
    int32_t A, B;
    memcpy(&A, r, sizeof(A));
    memcpy(&B, r + 2, sizeof(B));
    *a0 = hil_smlabt(B, w[1], hil_smlad(A, w[0], *a0));
    *a1 = hil_smlad(B, w[1], hil_smlatb(A, w[0], *a1));
}

/* The n outputs of each row of one phase of one channel, in C: plane row r, output y (the
 * phase's first of row 0). */
static void rows_c(const int16_t *r, int8_t *y, int32_t n, const planes_t *p, const chan_t *ch, int32_t lo, int32_t hi)
{
    const hil_conv_geom_t *g = p->g;
    const int32_t step = g->dil_h * p->row, next = g->dil_w * g->out_ch, full = lo == -128 && hi == 127;
    for (int32_t oy = 0; oy < g->out_h; oy++, r += p->row, y += g->out_w * g->out_ch) {
        for (int32_t i = 0; i < n; i += 2) {
            int32_t a0 = ch->bias2, a1 = ch->bias2;
            for (int32_t ky = 0; ky < g->k_h; ky++) {
                tap(r + i + ky * step, ch->w + 2 * ky, &a0, &a1);
            }
            y[i * next] = requant(a0, ch->m, ch->e, ch->c, lo, hi, full);
            if (i + 1 < n) {
                y[(i + 1) * next] = requant(a1, ch->m, ch->e, ch->c, lo, hi, full);
            }
        }
    }
}

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* rows rows of one phase of one channel from plane row r0, outputs from y, kernel height kh. */
__attribute__((always_inline)) static inline void one_run(const int16_t *r0, int8_t *y, int32_t rows,
                                                          const planes_t *p, chan_t *ch, const int kh)
{
    const int16_t *r1 = r0 + p->g->dil_h * p->row, *r2 = r1 + p->g->dil_h * p->row;
    if ((ch->run.rows = rows) > 0 && kh == 3) {
        HIL_DW_RUN(ch, r0, r1, r2, y);
    }
    for (; kh == 1 && rows > 0; rows--, r0 += p->row, y += p->g->out_w * p->g->out_ch) {
        const int16_t *r = r0;
        int8_t *o = y;
        HIL_DW_ROW1(ch->run.pairs, ch, r, o);
    }
}

/* The n channels of a group, full int8 range, kernel height kh (1 or 3), through HIL_DW_RUN: each
 * phase's rows in pairs, a row of odd count ending in a pair whose second output lands on the
 * next row, in the same phase or one the order below makes later (out_w = k d + r, r > 0: with
 * k odd phases p >= r land on p - r, so descending; else p < r on p + d - r, so ascending). The
 * call's last row goes to stage (a row and a dilation's pixels), copied out by the caller. */
__attribute__((always_inline)) static inline void group_asm(const int16_t *planes, const planes_t *p, chan_t *ch,
                                                            int32_t nch, int8_t *out, int8_t *stage, const int kh)
{
    const hil_conv_geom_t *g = p->g;
    const int32_t d = g->dil_w, next = d * g->out_ch, row_out = g->out_w * g->out_ch;
    const int down = (g->out_w / d) & 1 && g->out_w % d, rows = g->out_h - (stage != NULL);
    for (int32_t i = 0; i < d; i++) {
        const int32_t phase = down ? d - 1 - i : i, n = (g->out_w - phase + d - 1) / d, pairs = (n + 1) >> 1;
        const hil_dw_run_t run = {pairs, 2 * (p->row - 2 * pairs), row_out - 2 * pairs * next, 0};
        for (int32_t k = 0; k < nch; k++) {
            const int16_t *r0 = planes + k * p->plane + phase * p->len;
            ch[k].run = run;
            one_run(r0, out + k + phase * g->out_ch, rows, p, &ch[k], kh);
            if (stage) {
                one_run(r0 + rows * p->row, stage + k + phase * g->out_ch, 1, p, &ch[k], kh);
            }
        }
    }
}

static void group_asm_1(const int16_t *planes, const planes_t *p, chan_t *ch, int32_t n, int8_t *out, int8_t *stage)
{
    group_asm(planes, p, ch, n, out, stage, 1);
}

static void group_asm_3(const int16_t *planes, const planes_t *p, chan_t *ch, int32_t n, int8_t *out, int8_t *stage)
{
    group_asm(planes, p, ch, n, out, stage, 3);
}
#define HIL_DW_ASM 1
#else
#define HIL_DW_ASM 0
#endif

int hil_depthwise_k3_s8_m4(const int8_t *input, const int8_t *weights, const int32_t *bias, int8_t *output,
                           int16_t *scratch, const hil_conv_geom_t *g, const hil_act_quant_t *q,
                           const hil_requant_t *rq)
{
    chan_t ch[4];
    if (scratch == NULL || rq == NULL || hil_depthwise_conv_s8_m4_scratch(g) == 0 || !in_range(bias, rq, g->in_ch)) {
        return 0;
    }
    const int32_t chain = (g->out_w + g->dil_w - 1) / g->dil_w, len = (chain + 1) / 2 * 2 + 2;
    const int32_t rows = g->out_h + (g->k_h - 1) * g->dil_h, lo = q->act_min, hi = q->act_max;
    const planes_t p = {g, rows, len, g->dil_w * len, rows * g->dil_w * len};
    const int32_t row_out = g->out_w * g->out_ch, image_out = g->out_h * row_out;
    const int asm_path = HIL_DW_ASM && lo == -128 && hi == 127 && g->k_h % 2 && g->k_h <= 3 && g->dil_w <= g->out_w;
    int8_t *const stage = (int8_t *)(scratch + 4 * p.plane);
    const int odd = (g->out_w / g->dil_w) & 1 || g->out_w % g->dil_w; /* a phase of odd length */
    const uint32_t zp = ((uint32_t)-q->input_offset & 0xFFFFu) * 0x10001u; /* the padding: x + offset = 0 */
    for (int16_t *o = scratch, *end = o + 4 * p.plane; o != end; o += 2) {
        memcpy(o, &zp, sizeof(zp));
    }
    for (int32_t b = 0; b < g->batches; b++) {
        const int8_t *image = input + (int64_t)b * g->in_h * g->in_w * g->in_ch;
        int8_t *out = output + (int64_t)b * image_out, *last = b == g->batches - 1 && odd ? stage : NULL;
        for (int32_t c0 = 0; c0 < g->in_ch; c0 += 4) {
            const int32_t n = g->in_ch - c0 < 4 ? g->in_ch - c0 : 4;
            hil_dw_copy_planes(image, c0, n, &p, scratch);
            for (int32_t k = 0; k < n; k++) {
                channel_setup(weights, bias, rq, c0 + k, q, g, &ch[k]);
            }
#if HIL_DW_ASM
            if (asm_path) {
                (g->k_h == 3 ? group_asm_3 : group_asm_1)(scratch, &p, ch, n, out + c0, last ? last + c0 : NULL);
                continue;
            }
#endif
            for (int32_t k = 0; k < n * g->dil_w; k++) {
                const int32_t phase = k / n, at = c0 + k % n + phase * g->out_ch;
                rows_c(scratch + k % n * p.plane + phase * len, out + at, (g->out_w - phase + g->dil_w - 1) / g->dil_w,
                       &p, &ch[k % n], lo, hi);
            }
        }
        if (asm_path && last) {
            memcpy(out + image_out - row_out, stage, (size_t)row_out);
        }
    }
    return 1;
}
