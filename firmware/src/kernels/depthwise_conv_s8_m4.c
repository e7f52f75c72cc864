#include "depthwise_m4.h"
#include "hil/kernels.h"
#include "hil/qmath.h"
#include "simd_m4.h"

/* Depthwise channels are independent, so SMLAD's pairwise sum does not
 * apply; instead four adjacent channels (one word of input, one of weights,
 * both NHWC-contiguous when depth_multiplier is 1) are unpacked into 16-bit
 * halves and multiplied lane by lane with SMLABB/SMLATT. The input offset is
 * added to the unpacked input (SADD16; x + offset fits 16 bits), so padded
 * taps can simply be skipped as TFLM does: the loops only visit the taps
 * inside the image, whose range is computed once per output pixel. With a
 * kernel of a few taps, requantisation is most of the work: it uses the
 * compiler's hil_requant_t table and a clamp specialised per call. A 3-wide
 * kernel at stride 1 and depth multiplier 1 (the DS-CNN and dilated 1-D
 * shapes) goes a channel at a time instead (depthwise_conv_s8_m4_k3.c), so
 * that a channel's constants stay in registers and two outputs share loads. */

typedef struct {
    const int8_t *weights;
    const int32_t *bias;
    const hil_conv_geom_t *g;
    const hil_act_quant_t *q;
    const hil_channel_quant_t *cq;
    const hil_requant_t *rq;
    int32_t off2; /* input_offset in both halfwords */
} dw_t;

/* One output pixel's taps inside the image: rows x cols of them, from
 * x / w (tap (y0, x0) of channel 0), stepping by the strides below. */
typedef struct {
    const int8_t *x, *w;
    int32_t rows, cols;
    int32_t x_col, x_row, w_col, w_row;
} taps_t;

/* The first tap at or past coordinate 0, and the end of those before size
 * (64-bit: a malformed model's padding and dilation may be near INT32_MAX). */
static int32_t tap_first(int32_t origin, int32_t dil)
{
    return origin >= 0 ? 0 : (int32_t)(((int64_t)dil - 1 - origin) / dil);
}

static int32_t tap_end(int32_t origin, int32_t dil, int32_t size, int32_t k)
{
    const int64_t end = origin >= size ? 0 : ((int64_t)size - 1 - origin) / dil + 1;
    return end < k ? (int32_t)end : k;
}

static void taps_at(const int8_t *image, int32_t oy, int32_t ox, const dw_t *d, taps_t *t)
{
    const hil_conv_geom_t *g = d->g;
    const int32_t iy = oy * g->stride_h - g->pad_h, ix = ox * g->stride_w - g->pad_w;
    const int32_t y0 = tap_first(iy, g->dil_h), x0 = tap_first(ix, g->dil_w);
    t->rows = tap_end(iy, g->dil_h, g->in_h, g->k_h) - y0;
    t->cols = tap_end(ix, g->dil_w, g->in_w, g->k_w) - x0;
    if (t->rows <= 0 || t->cols <= 0) {
        t->rows = t->cols = 0; /* no tap inside the image */
        t->x = image, t->w = d->weights;
        return;
    }
    const int32_t y = (int32_t)(iy + (int64_t)y0 * g->dil_h), x = (int32_t)(ix + (int64_t)x0 * g->dil_w); /* inside */
    t->x = image + (y * g->in_w + x) * g->in_ch;
    t->w = d->weights + (y0 * g->k_w + x0) * g->out_ch;
}

static int8_t requant1(int32_t acc, int32_t c, const dw_t *d)
{
    const int32_t v = d->rq ? hil_requant_apply(acc, &d->rq[c])
                            : hil_requantize_fast(acc, d->cq->multiplier[c], d->cq->shift[c]);
    return (int8_t)hil_clamp(hil_add_wrap(v, d->q->output_offset), d->q->act_min, d->q->act_max);
}

/* Channels [c, c + 4) of one output pixel, depth_multiplier 1. */
__attribute__((always_inline)) static inline void quad(int8_t *out, int32_t c, const taps_t *t, const dw_t *d,
                                                       const int mode)
{
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    if (d->bias) {
        a0 = d->bias[c], a1 = d->bias[c + 1], a2 = d->bias[c + 2], a3 = d->bias[c + 3];
    }
    const int8_t *xr = t->x + c, *wr = t->w + c;
    for (int32_t r = t->rows; r > 0; r--, xr += t->x_row, wr += t->w_row) {
        const int8_t *xp = xr, *wp = wr;
        for (int32_t n = t->cols; n > 0; n--, xp += t->x_col, wp += t->w_col) {
            const int32_t xv = hil_read_s8x4(xp), wv = hil_read_s8x4(wp);
            const int32_t xe = hil_sadd16(hil_sxtb16(xv), d->off2), xo = hil_sadd16(hil_sxtb16_ror8(xv), d->off2);
            const int32_t we = hil_sxtb16(wv), wo = hil_sxtb16_ror8(wv);
            a0 = hil_smlabb(xe, we, a0);
            a2 = hil_smlatt(xe, we, a2);
            a1 = hil_smlabb(xo, wo, a1);
            a3 = hil_smlatt(xo, wo, a3);
        }
    }
    if (d->rq) {
        hil_requant4_s8(a0, a1, a2, a3, d->rq + c, out + c, d->q->output_offset, d->q->act_min, d->q->act_max, mode);
    } else {
        out[c] = requant1(a0, c, d), out[c + 1] = requant1(a1, c + 1, d);
        out[c + 2] = requant1(a2, c + 2, d), out[c + 3] = requant1(a3, c + 3, d);
    }
}

/* Output channel oc (reading input channel ic) of one output pixel. */
static void single(int8_t *out, int32_t ic, int32_t oc, const taps_t *t, const dw_t *d)
{
    int32_t acc = d->bias ? d->bias[oc] : 0;
    const int8_t *xr = t->x + ic, *wr = t->w + oc;
    for (int32_t r = t->rows; r > 0; r--, xr += t->x_row, wr += t->w_row) {
        const int8_t *xp = xr, *wp = wr;
        for (int32_t n = t->cols; n > 0; n--, xp += t->x_col, wp += t->w_col) {
            acc = hil_add_wrap(acc, *wp * (*xp + d->q->input_offset));
        }
    }
    out[oc] = requant1(acc, oc, d);
}

__attribute__((always_inline)) static inline void run(const int8_t *input, int8_t *output, const dw_t *d,
                                                      const int mode)
{
    const hil_conv_geom_t *g = d->g;
    int8_t *out = output;
    taps_t t = {.x_col = g->dil_w * g->in_ch, .x_row = g->dil_h * g->in_w * g->in_ch, .w_col = g->out_ch,
                .w_row = g->k_w * g->out_ch};
    for (int32_t b = 0; b < g->batches; b++) {
        const int8_t *image = input + b * g->in_h * g->in_w * g->in_ch;
        for (int32_t oy = 0; oy < g->out_h; oy++) {
            for (int32_t ox = 0; ox < g->out_w; ox++, out += g->out_ch) {
                taps_at(image, oy, ox, d, &t);
                int32_t c = 0;
                if (g->depth_multiplier == 1) {
                    for (; c + 4 <= g->in_ch; c += 4) {
                        quad(out, c, &t, d, mode);
                    }
                }
                for (; c < g->in_ch; c++) {
                    for (int32_t m = 0; m < g->depth_multiplier; m++) {
                        single(out, c, c * g->depth_multiplier + m, &t, d);
                    }
                }
            }
        }
    }
}

static void run_full(const int8_t *x, int8_t *y, const dw_t *d) { run(x, y, d, HIL_CLAMP_S8_FULL); }
static void run_low(const int8_t *x, int8_t *y, const dw_t *d) { run(x, y, d, HIL_CLAMP_S8_LOW); }
static void run_any(const int8_t *x, int8_t *y, const dw_t *d) { run(x, y, d, HIL_CLAMP_S8_ANY); }

void hil_depthwise_conv_s8_m4(const int8_t *input, const int8_t *weights, const int32_t *bias, int8_t *output,
                              int16_t *scratch, const hil_conv_geom_t *g, const hil_act_quant_t *q,
                              const hil_channel_quant_t *cq, const hil_requant_t *rq)
{
    if (g->batches <= 0 || g->out_ch <= 0 || g->depth_multiplier <= 0 ||
        hil_depthwise_k3_s8_m4(input, weights, bias, output, scratch, g, q, rq)) {
        return;
    }
    const dw_t d = {weights, bias, g, q, cq, rq, (int32_t)(((uint32_t)q->input_offset & 0xFFFFu) * 0x10001u)};
    static void (*const by_mode[])(const int8_t *, int8_t *, const dw_t *) = {run_full, run_low, run_any};
    by_mode[hil_clamp_mode_s8(q->act_min, q->act_max)](input, output, &d);
}
