#include "hil/kernels.h"
#include "hil/qmath.h"
#include "simd_m4.h"

/* With the bias folded (bias + input_offset * sum(w)), the inner loop is a
 * pure sum(x * w) of SMLADs, whose operands are int16 pairs: the input rows
 * are unpacked into that form once (scratch), the weights a word at a time.
 * Two input rows (batches, or conv pixels) go through together, 2 weight
 * rows x 2 inputs per step (HIL_DOT2X2), so each unpacked weight word serves
 * twice: 16 instructions for 16 MACs. A lone input row takes 4 weight rows
 * per step instead (HIL_DOT4X4, 21 for 16). Both loops hold fourteen values,
 * every register the M4 has. Requantisation uses the compiler's per-channel
 * hil_requant_t table (10 instructions an output), else hil_requantize_fast. */

typedef struct {
    const int8_t *weights;
    const int32_t *bias;
    int32_t *scratch;
    int32_t in_dim, out_dim, words, loops, ragged;
    int32_t offset, lo, hi;
    const hil_act_quant_t *q;
    const hil_channel_quant_t *cq;
    const hil_requant_t *rq;
} fc_t;

static int8_t requant1(int32_t acc, int32_t o, const fc_t *f)
{
    const int32_t v = f->rq ? hil_requant_apply(acc, &f->rq[o])
                            : hil_requantize_fast(acc, f->cq->multiplier[o], f->cq->shift[o]);
    return (int8_t)hil_clamp(hil_add_wrap(v, f->q->output_offset), f->q->act_min, f->q->act_max);
}

/* acc + x . w over n int8, straight from memory (the rows no block covers). */
static int32_t dot(const int8_t *x, const int8_t *w, int32_t n, int32_t acc)
{
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const int32_t xv = hil_read_s8x4(x + i), wv = hil_read_s8x4(w + i);
        acc = hil_smlad(hil_sxtb16(xv), hil_sxtb16(wv), acc);
        acc = hil_smlad(hil_sxtb16_ror8(xv), hil_sxtb16_ror8(wv), acc);
    }
    for (; i < n; i++) {
        acc = hil_add_wrap(acc, x[i] * w[i]);
    }
    return acc;
}

/* Rows x[0..rows) unpacked word by word, interleaved: x0 word 0, x1 word 0, x0 word 1, ... */
static void unpack(const int8_t *x, int32_t rows, int32_t in_dim, int32_t words, int32_t *dst)
{
    for (const int32_t *end = dst + 2 * rows * words; dst != end; x += 4) {
        for (int32_t r = 0; r < rows; r++, dst += 2) {
            const int32_t v = hil_read_s8x4(x + r * in_dim);
            dst[0] = hil_sxtb16(v);
            dst[1] = hil_sxtb16_ror8(v);
        }
    }
}

__attribute__((always_inline)) static inline void two_rows(const int8_t *x0, int8_t *y0, const fc_t *f, const int mode)
{
    const int8_t *x1 = x0 + f->in_dim;
    int8_t *y1 = y0 + f->out_dim;
    const int32_t head = f->words * 4;
    unpack(x0, 2, f->in_dim, f->words, f->scratch);
    const int8_t *w0 = f->weights;
    int32_t o = 0;
    for (; o + 2 <= f->out_dim; o += 2) {
        const int8_t *w1 = w0 + f->in_dim;
        const int32_t *xp = f->scratch;
        int32_t a00 = f->bias[o], a01 = a00, a10 = f->bias[o + 1], a11 = a10;
        if (f->loops) {
            HIL_DOT2X2_LOOP4(f->loops, xp, w0, w1, a00, a01, a10, a11);
        }
        if (f->ragged) {
            for (int32_t n = f->words & 3; n > 0; n--) {
                HIL_DOT2X2(xp, w0, w1, a00, a01, a10, a11);
            }
            for (int32_t i = head; i < f->in_dim; i++, w0++, w1++) {
                a00 = hil_add_wrap(a00, x0[i] * *w0), a01 = hil_add_wrap(a01, x1[i] * *w0);
                a10 = hil_add_wrap(a10, x0[i] * *w1), a11 = hil_add_wrap(a11, x1[i] * *w1);
            }
        }
        if (f->rq) {
            hil_requant2_s8(a00, a10, f->rq + o, y0 + o, f->offset, f->lo, f->hi, mode);
            hil_requant2_s8(a01, a11, f->rq + o, y1 + o, f->offset, f->lo, f->hi, mode);
        } else {
            y0[o] = requant1(a00, o, f), y1[o] = requant1(a01, o, f);
            y0[o + 1] = requant1(a10, o + 1, f), y1[o + 1] = requant1(a11, o + 1, f);
        }
        w0 = w1; /* rows are contiguous: where the last row ends, the next block starts */
    }
    if (o < f->out_dim) {
        y0[o] = requant1(dot(x0, w0, f->in_dim, f->bias[o]), o, f);
        y1[o] = requant1(dot(x1, w0, f->in_dim, f->bias[o]), o, f);
    }
}

/* Rows [0, 4 * blocks) of one input row of whole 64-input steps, with the requant table: one_row's loop
 * with nothing to decide per block, f's fields in locals (the asm clobbers memory). */
__attribute__((always_inline)) static inline void one_row_whole(const int8_t *w0, int8_t *y, int32_t blocks,
                                                                 const fc_t *f, const int mode)
{
    const int32_t *bias = f->bias, *x = f->scratch;
    const hil_requant_t *rq = f->rq;
    const int32_t in = f->in_dim, loops = f->loops >> 2, offset = f->offset, lo = f->lo, hi = f->hi;
    for (; blocks > 0; blocks--, bias += 4, rq += 4, y += 4) {
        const int8_t *w1 = w0 + in, *w2 = w1 + in, *w3 = w2 + in;
        const int32_t *xp = x;
        int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
        HIL_DOT4X4_LOOP16(loops, xp, w0, w1, w2, w3, a0, a1, a2, a3);
        hil_requant4_s8(a0, a1, a2, a3, rq, y, offset, lo, hi, mode);
        w0 = w3;
    }
}

typedef void (*whole_fn)(const int8_t *w, int8_t *y, int32_t blocks, const fc_t *f);
/* whole: one_row_whole for the mode in a function of its own (GCC cannot free 14 registers in one_row). */
__attribute__((always_inline)) static inline void one_row(const int8_t *x, int8_t *y, const fc_t *f, const int mode,
                                                          whole_fn whole)
{
    const int32_t head = f->words * 4;
    unpack(x, 1, f->in_dim, f->words, f->scratch);
    const int8_t *w0 = f->weights;
    int32_t o = 0;
    if (f->rq && f->loops && !(f->loops & 3) && !f->ragged) {
        o = f->out_dim & ~3;
        whole(w0, y, o >> 2, f);
        w0 += o * f->in_dim;
    }
    for (; o + 4 <= f->out_dim; o += 4) {
        const int8_t *w1 = w0 + f->in_dim, *w2 = w1 + f->in_dim, *w3 = w2 + f->in_dim;
        const int32_t *xp = f->scratch;
        int32_t a0 = f->bias[o], a1 = f->bias[o + 1], a2 = f->bias[o + 2], a3 = f->bias[o + 3];
        if (f->loops) {
            HIL_DOT4X4_LOOP4(f->loops, xp, w0, w1, w2, w3, a0, a1, a2, a3);
        }
        if (f->ragged) {
            for (int32_t n = f->words & 3; n > 0; n--) {
                HIL_DOT4X4(xp, w0, w1, w2, w3, a0, a1, a2, a3);
            }
            for (int32_t i = head; i < f->in_dim; i++) {
                const int32_t xv = x[i];
                a0 = hil_add_wrap(a0, xv * *w0++), a1 = hil_add_wrap(a1, xv * *w1++);
                a2 = hil_add_wrap(a2, xv * *w2++), a3 = hil_add_wrap(a3, xv * *w3++);
            }
        }
        if (f->rq) {
            hil_requant4_s8(a0, a1, a2, a3, f->rq + o, y + o, f->offset, f->lo, f->hi, mode);
        } else {
            y[o] = requant1(a0, o, f), y[o + 1] = requant1(a1, o + 1, f);
            y[o + 2] = requant1(a2, o + 2, f), y[o + 3] = requant1(a3, o + 3, f);
        }
        w0 = w3;
    }
    for (; o < f->out_dim; o++, w0 += f->in_dim) {
        y[o] = requant1(dot(x, w0, f->in_dim, f->bias[o]), o, f);
    }
}

/* One copy of the loops per clamp mode (see hil_clamp_mode_s8). */
#define HIL_FC_ROWS_(mode)                                                                                     \
    __attribute__((noinline)) static void whole_##mode(const int8_t *w, int8_t *y, int32_t n, const fc_t *f)  \
    {                                                                                                          \
        one_row_whole(w, y, n, f, mode);                                                                       \
    }                                                                                                          \
    static void two_rows_##mode(const int8_t *x, int8_t *y, const fc_t *f) { two_rows(x, y, f, mode); }       \
    static void one_row_##mode(const int8_t *x, int8_t *y, const fc_t *f) { one_row(x, y, f, mode, whole_##mode); }
HIL_FC_ROWS_(HIL_CLAMP_S8_FULL)
HIL_FC_ROWS_(HIL_CLAMP_S8_LOW)
HIL_FC_ROWS_(HIL_CLAMP_S8_ANY)

typedef void (*rows_fn)(const int8_t *x, int8_t *y, const fc_t *f);
static const rows_fn two_rows_by_mode[] = {two_rows_HIL_CLAMP_S8_FULL, two_rows_HIL_CLAMP_S8_LOW,
                                           two_rows_HIL_CLAMP_S8_ANY};
static const rows_fn one_row_by_mode[] = {one_row_HIL_CLAMP_S8_FULL, one_row_HIL_CLAMP_S8_LOW, one_row_HIL_CLAMP_S8_ANY};

void hil_fully_connected_s8_m4(const int8_t *input, const int8_t *weights, const int32_t *folded_bias, int8_t *output,
                               int32_t *scratch, int32_t batches, int32_t in_dim, int32_t out_dim,
                               const hil_act_quant_t *q, const hil_channel_quant_t *cq, const hil_requant_t *rq)
{
    if (batches <= 0 || in_dim <= 0 || out_dim <= 0) {
        return;
    }
    const int32_t words = in_dim >> 2;
    const fc_t f = {
        .weights = weights, .bias = folded_bias, .scratch = scratch, .in_dim = in_dim, .out_dim = out_dim,
        .words = words, .loops = words >> 2, .ragged = in_dim & 15, /* 4-step loops, then what is left */
        .offset = q->output_offset, .lo = q->act_min, .hi = q->act_max, .q = q, .cq = cq, .rq = rq,
    };
    const int mode = hil_clamp_mode_s8(q->act_min, q->act_max);
    int32_t b = 0;
    for (; b + 2 <= batches; b += 2) {
        two_rows_by_mode[mode](input + b * in_dim, output + b * out_dim, &f);
    }
    if (b < batches) {
        one_row_by_mode[mode](input + b * in_dim, output + b * out_dim, &f);
    }
}
