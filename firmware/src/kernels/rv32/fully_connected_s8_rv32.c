#include "hil/kernels_rv32.h"

/* rv32imc has no SIMD: an int8 product costs a byte load, a MUL and an ADD at
 * best. With the bias folded (bias + input_offset * sum(w), the compiler's),
 * the inner loop is that pure sum(x * w), and a pass reuses every byte it
 * loads: one input row goes against eight weight rows at a time (each input
 * byte serves eight products; 110 instructions for 32 MACs, the 4-byte step
 * unrolled), then four, then one; two input rows (batches, a conv's pixel
 * pairs) against four weight rows (each weight byte serves two; 52 for 16, a
 * 2-byte step: a 4-byte one spills). Loops step by pointer increments, loads
 * at immediate offsets; -fsched-pressure keeps GCC from hoisting the loads
 * into spills (Makefile). Sums are uint32, wrapping as the reference's int32
 * sums do on the board. Requantisation: the compiler's hil_requant_t table
 * when it has one, else hil_requantize_fast, both bit for bit hil_requantize. */

typedef struct {
    const int8_t *weights;
    const int32_t *bias;
    int32_t in_dim, out_dim;
    const hil_act_quant_t *q;
    const hil_channel_quant_t *cq;
    const hil_requant_t *rq;
} fc_t;

static int8_t requant1(uint32_t acc, int32_t o, const fc_t *f)
{
    const int32_t a = (int32_t)acc;
    const int32_t v = f->rq ? hil_requant_apply(a, &f->rq[o])
                            : hil_requantize_fast(a, f->cq->multiplier[o], f->cq->shift[o]);
    return (int8_t)hil_clamp(hil_add_wrap(v, f->q->output_offset), f->q->act_min, f->q->act_max);
}

/* Outputs o..o+3 of one input row from their sums a[0], a[step], ... into y[o..o+3]: inline, so that the
 * sums stay in registers, the clamp's bounds are loaded once and the table's case takes no call. */
__attribute__((always_inline)) static inline void requant4(const uint32_t *a, int step, int32_t o, int8_t *y,
                                                           const fc_t *f)
{
    if (!f->rq) {
        for (int r = 0; r < 4; r++) {
            y[o + r] = requant1(a[r * step], o + r, f);
        }
        return;
    }
    const hil_requant_t *rq = f->rq + o;
    const int32_t offset = f->q->output_offset, lo = f->q->act_min, hi = f->q->act_max;
    for (int r = 0; r < 4; r++) {
        y[o + r] = (int8_t)hil_clamp(hil_add_wrap(hil_requant_apply((int32_t)a[r * step], &rq[r]), offset), lo, hi);
    }
}

/* requant4 out of line: inline beside the 8-sum loops, it makes them spill. */
__attribute__((noinline)) static void requant4_call(const uint32_t *a, int step, int32_t o, int8_t *y, const fc_t *f)
{
    requant4(a, step, o, y, f);
}

#define MAC(acc, x, w) ((acc) += (uint32_t)((int32_t)(x) * (int32_t)(w)))

/* acc + x . w over n bytes. */
static uint32_t dot1(const int8_t *x, const int8_t *w, int32_t n, uint32_t acc)
{
    for (const int8_t *end = x + n; x != end; x++, w++) {
        MAC(acc, *x, *w);
    }
    return acc;
}

/* Term k of a step of one input row x against weight rows w0..w3. */
#define TERM_1X4(k)                                                                                            \
    do {                                                                                                       \
        const int32_t xv = x[k];                                                                               \
        MAC(a0, xv, w0[k]), MAC(a1, xv, w1[k]), MAC(a2, xv, w2[k]), MAC(a3, xv, w3[k]);                       \
    } while (0)

/* a[r] += x . w_r over n bytes for weight rows w0 + r * stride, r = 0..3. */
__attribute__((always_inline)) static inline void dot_1x4(const int8_t *x, const int8_t *w0, int32_t stride,
                                                          int32_t n, uint32_t a[4])
{
    const int8_t *w1 = w0 + stride, *w2 = w1 + stride, *w3 = w2 + stride;
    uint32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
    for (const int8_t *end = x + (n & ~3); x != end; x += 4, w0 += 4, w1 += 4, w2 += 4, w3 += 4) {
        TERM_1X4(0);
        TERM_1X4(1);
        TERM_1X4(2);
        TERM_1X4(3);
    }
    for (int32_t k = n & 3; k > 0; k--, x++, w0++, w1++, w2++, w3++) {
        TERM_1X4(0);
    }
    a[0] = a0, a[1] = a1, a[2] = a2, a[3] = a3;
}

/* Term k of a step of one input row x against weight rows w0..w7. */
#define TERM_1X8(k)                                                                                            \
    do {                                                                                                       \
        const int32_t xv = x[k];                                                                               \
        MAC(a0, xv, w0[k]), MAC(a1, xv, w1[k]), MAC(a2, xv, w2[k]), MAC(a3, xv, w3[k]);                       \
        MAC(a4, xv, w4[k]), MAC(a5, xv, w5[k]), MAC(a6, xv, w6[k]), MAC(a7, xv, w7[k]);                       \
    } while (0)

/* dot_1x4 for weight rows r = 0..7: each input byte serves eight products (the loop holds the nine
 * pointers and eight sums in registers, with -fsched-pressure). */
__attribute__((always_inline)) static inline void dot_1x8(const int8_t *x, const int8_t *w0, int32_t stride,
                                                          int32_t n, uint32_t a[8])
{
    const int8_t *w1 = w0 + stride, *w2 = w1 + stride, *w3 = w2 + stride, *w4 = w3 + stride, *w5 = w4 + stride;
    const int8_t *w6 = w5 + stride, *w7 = w6 + stride;
    uint32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5], a6 = a[6], a7 = a[7];
    for (const int8_t *end = x + (n & ~3); x != end; x += 4, w0 += 4, w1 += 4, w2 += 4, w3 += 4, w4 += 4, w5 += 4,
                                                   w6 += 4, w7 += 4) {
        TERM_1X8(0);
        TERM_1X8(1);
        TERM_1X8(2);
        TERM_1X8(3);
    }
    for (int32_t k = n & 3; k > 0; k--, x++, w0++, w1++, w2++, w3++, w4++, w5++, w6++, w7++) {
        TERM_1X8(0);
    }
    a[0] = a0, a[1] = a1, a[2] = a2, a[3] = a3, a[4] = a4, a[5] = a5, a[6] = a6, a[7] = a7;
}

/* Term k of a step of input rows x0, x1 against weight rows w0..w3: a<r><row>. */
#define TERM_2X4(k)                                                                                            \
    do {                                                                                                       \
        const int32_t u = x0[k], v = x1[k], p = w0[k], q = w1[k], r = w2[k], s = w3[k];                        \
        MAC(a00, u, p), MAC(a01, v, p), MAC(a10, u, q), MAC(a11, v, q);                                        \
        MAC(a20, u, r), MAC(a21, v, r), MAC(a30, u, s), MAC(a31, v, s);                                        \
    } while (0)

/* a[2 r + j] += x_j . w_r over n bytes, input rows x0 and x1, weight rows w0 + r * stride. */
__attribute__((always_inline)) static inline void dot_2x4(const int8_t *x0, const int8_t *x1, const int8_t *w0,
                                                          int32_t stride, int32_t n, uint32_t a[8])
{
    const int8_t *w1 = w0 + stride, *w2 = w1 + stride, *w3 = w2 + stride;
    uint32_t a00 = a[0], a01 = a[1], a10 = a[2], a11 = a[3], a20 = a[4], a21 = a[5], a30 = a[6], a31 = a[7];
    for (const int8_t *end = x0 + (n & ~1); x0 != end; x0 += 2, x1 += 2, w0 += 2, w1 += 2, w2 += 2, w3 += 2) {
        TERM_2X4(0);
        TERM_2X4(1);
    }
    if (n & 1) {
        TERM_2X4(0);
    }
    a[0] = a00, a[1] = a01, a[2] = a10, a[3] = a11, a[4] = a20, a[5] = a21, a[6] = a30, a[7] = a31;
}

/* One input row x into y: eight output rows a pass, then four, then one. */
static void one_row(const int8_t *x, int8_t *y, const fc_t *f)
{
    const int32_t n = f->in_dim;
    const int8_t *w = f->weights;
    int32_t o = 0;
    for (; o + 8 <= f->out_dim; o += 8, w += 8 * n) {
        uint32_t a[8];
        for (int r = 0; r < 8; r++) {
            a[r] = (uint32_t)f->bias[o + r];
        }
        dot_1x8(x, w, n, n, a);
        requant4_call(a, 1, o, y, f);
        requant4_call(a + 4, 1, o + 4, y, f);
    }
    if (o + 4 <= f->out_dim) {
        uint32_t a[4] = {(uint32_t)f->bias[o], (uint32_t)f->bias[o + 1], (uint32_t)f->bias[o + 2],
                         (uint32_t)f->bias[o + 3]};
        dot_1x4(x, w, n, n, a);
        requant4(a, 1, o, y, f);
        o += 4, w += 4 * n;
    }
    for (; o < f->out_dim; o++, w += n) {
        y[o] = requant1(dot1(x, w, n, (uint32_t)f->bias[o]), o, f);
    }
}

/* Input rows x and x + in_dim into y and y + out_dim. */
static void two_rows(const int8_t *x, int8_t *y, const fc_t *f)
{
    const int32_t n = f->in_dim;
    const int8_t *w = f->weights;
    int8_t *y1 = y + f->out_dim;
    int32_t o = 0;
    for (; o + 4 <= f->out_dim; o += 4, w += 4 * n) {
        uint32_t a[8];
        for (int r = 0; r < 4; r++) {
            a[2 * r] = a[2 * r + 1] = (uint32_t)f->bias[o + r];
        }
        dot_2x4(x, x + n, w, n, n, a);
        requant4_call(a, 2, o, y, f);
        requant4_call(a + 1, 2, o, y1, f);
    }
    for (; o < f->out_dim; o++, w += n) {
        y[o] = requant1(dot1(x, w, n, (uint32_t)f->bias[o]), o, f);
        y1[o] = requant1(dot1(x + n, w, n, (uint32_t)f->bias[o]), o, f);
    }
}

void hil_fully_connected_s8_rv32(const int8_t *input, const int8_t *weights, const int32_t *folded_bias,
                                 int8_t *output, int32_t *scratch, int32_t batches, int32_t in_dim, int32_t out_dim,
                                 const hil_act_quant_t *q, const hil_channel_quant_t *cq, const hil_requant_t *rq)
{
    (void)scratch;
    const fc_t f = {weights, folded_bias, in_dim, out_dim, q, cq, rq};
    int32_t b = 0;
    for (; b + 2 <= batches; b += 2) {
        two_rows(input + b * in_dim, output + b * out_dim, &f);
    }
    if (b < batches) {
        one_row(input + b * in_dim, output + b * out_dim, &f);
    }
}
