/* The dot products of the M4 MP-GRU kernel (mp_gru_dot_m4.h): at 8 bits HIL_DOT4X4 on four rows
 * at a time, narrower the loops of mp_gru_asm_m4.h on two or three. The narrow loops read a row
 * in steps of 16 values, whole words, so past its end: rows whose reads would leave the matrix
 * are read from a copy with zeros after it (hil_mp_matrix). */
#include <string.h>

#include "mp_gru_asm_m4.h"
#include "mp_gru_dot_m4.h"

/* acc[0..4 * blocks) of the 8-bit rows from w (row bytes n), four at a time. */
static void block8(const int8_t *w, int32_t blocks, const hil_mp_mat_t *m, int32_t *acc)
{
    const int32_t n = m->n, words = n >> 2;
    for (; blocks > 0; blocks--, w += 4 * n, acc += 4) {
        const int8_t *w0 = w, *w1 = w0 + n, *w2 = w1 + n, *w3 = w2 + n;
        const int32_t *xp = m->x;
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        if (words >> 2) {
            HIL_DOT4X4_LOOP4(words >> 2, xp, w0, w1, w2, w3, a0, a1, a2, a3);
        }
        for (int32_t k = words & 3; k > 0; k--) {
            HIL_DOT4X4(xp, w0, w1, w2, w3, a0, a1, a2, a3);
        }
        for (int32_t i = words << 2; i < n; i++, xp++) {
            a0 += *xp * *w0++, a1 += *xp * *w1++, a2 += *xp * *w2++, a3 += *xp * *w3++;
        }
        acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
    }
}

/* One 8-bit row. */
static int32_t dot8(const int8_t *w, const hil_mp_mat_t *m)
{
    const int32_t *xp = m->x;
    int32_t a = 0, i = 0;
    for (; i + 4 <= m->n; i += 4, xp += 2) {
        const int32_t wv = hil_read_s8x4(w + i);
        a = hil_smlad(xp[1], hil_sxtb16_ror8(wv), hil_smlad(xp[0], hil_sxtb16(wv), a));
    }
    for (; i < m->n; i++) {
        a += *xp++ * w[i];
    }
    return a;
}

/* acc[i] = row i . input for the rows r0, r1(, r2) + j * step, j < n blocks, at width B
 * (HIL_MP_LOOP2_ / 3_ on the M4): HIL_MP_ROWS(B) rows a block. */
#define HIL_MP_ROWS(B) ((B) >= 5 ? 3 : 2)
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define HIL_MP_BLOCKS_(B, LOOP, STEP, ...)                                                                           \
    static void blocks##B(const uint8_t *r0, const uint8_t *r1, const uint8_t *r2, int32_t step, int32_t n,    \
                          const hil_mp_mat_t *m, int32_t *acc)                                                        \
    {                                                                                                          \
        const int32_t k = m->k, flip = m->flip;                                                                \
        for (; n > 0; n--, r0 += step, r1 += step, r2 += step, acc += HIL_MP_ROWS(B)) {                        \
            const uint8_t *p0 = r0, *p1 = r1, *p2 = r2;                                                        \
            const int32_t *xp = m->x;                                                                          \
            int32_t s0 = 0, s1 = 0, s2 = 0;                                                                    \
            (void)p2;                                                                                          \
            LOOP(STEP, m->steps, xp, __VA_ARGS__, hil_mp_widths[B].flip, hil_mp_widths[B].mask);               \
            acc[0] = (s0 >> k) - flip, acc[1] = (s1 >> k) - flip;                                             \
            if (HIL_MP_ROWS(B) == 3) {                                                                         \
                acc[2] = (s2 >> k) - flip;                                                                     \
            }                                                                                                  \
        }                                                                                                      \
    }
#define HIL_MP_BLOCKS2_(B) HIL_MP_BLOCKS_(B, HIL_MP_LOOP2_, HIL_MP_STEP_##B, p0, p1, s0, s1)
#define HIL_MP_BLOCKS3_(B) HIL_MP_BLOCKS_(B, HIL_MP_LOOP3_, HIL_MP_STEP_##B(HIL_MP_ROWS3_), p0, p1, p2, s0, s1, s2)
/* One row at width B >= 5. */
#define HIL_MP_ONE_(B)                                                                                         \
    static int32_t one##B(const uint8_t *r, const hil_mp_mat_t *m)                                                    \
    {                                                                                                          \
        const int32_t *xp = m->x;                                                                              \
        int32_t s0 = 0;                                                                                        \
        HIL_MP_LOOP1_(HIL_MP_STEP_##B(HIL_MP_ROWS1_), m->steps, xp, r, s0, hil_mp_widths[B].flip,              \
                      hil_mp_widths[B].mask);                                                                  \
        return (s0 >> m->k) - m->flip;                                                                         \
    }
#else
#define HIL_MP_BLOCKS2_(B)                                                                                     \
    static void blocks##B(const uint8_t *r0, const uint8_t *r1, const uint8_t *r2, int32_t step, int32_t n,    \
                          const hil_mp_mat_t *m, int32_t *acc)                                                        \
    {                                                                                                          \
        for (int32_t j = 0; j < n * HIL_MP_ROWS(B); j++) {                                                     \
            const uint8_t *r = (j % HIL_MP_ROWS(B) == 0 ? r0 : j % HIL_MP_ROWS(B) == 1 ? r1 : r2) +            \
                               j / HIL_MP_ROWS(B) * step;                                                      \
            acc[j] = (hil_mp_dot##B(r, m->x, m->steps * 16 / hil_mp_widths[B].g) >> m->k) - m->flip;           \
        }                                                                                                      \
    }
#define HIL_MP_BLOCKS3_(B) HIL_MP_BLOCKS2_(B)
#define HIL_MP_ONE_(B)                                                                                         \
    static int32_t one##B(const uint8_t *r, const hil_mp_mat_t *m)                                                    \
    {                                                                                                          \
        return (hil_mp_dot##B(r, m->x, m->steps * 16 / hil_mp_widths[B].g) >> m->k) - m->flip;                 \
    }
#endif
HIL_MP_BLOCKS2_(2)
HIL_MP_BLOCKS2_(3)
HIL_MP_BLOCKS2_(4)
HIL_MP_BLOCKS3_(5)
HIL_MP_BLOCKS3_(6)
HIL_MP_BLOCKS3_(7)
HIL_MP_ONE_(5)
HIL_MP_ONE_(6)
HIL_MP_ONE_(7)

typedef void (*blocks_fn)(const uint8_t *, const uint8_t *, const uint8_t *, int32_t, int32_t, const hil_mp_mat_t *,
                          int32_t *);
static const blocks_fn blocks_by_bits[8] = {0, 0, blocks2, blocks3, blocks4, blocks5, blocks6, blocks7};
static int32_t (*const one_by_bits[8])(const uint8_t *, const hil_mp_mat_t *) = {0, 0, 0, 0, 0, one5, one6, one7};

void hil_mp_dots(const hil_mp_mat_t *m, int32_t j0, int32_t count, int32_t *acc)
{
    if (m->bits == 8) {
        const int8_t *w = (const int8_t *)m->w + j0 * m->n;
        block8(w, count >> 2, m, acc);
        for (int32_t j = count & ~3; j < count; j++) {
            acc[j] = dot8(w + j * m->n, m);
        }
        return;
    }
    const int rows = HIL_MP_ROWS(m->bits);
    const blocks_fn blocks = blocks_by_bits[m->bits];
    int32_t whole = count / rows, end = j0 + whole * rows; /* blocks wholly in the rows read in place */
    while (whole > 0 && end > m->t0) {
        end -= rows, whole--;
    }
    const uint8_t *w = m->w + j0 * m->rb;
    blocks(w, w + m->rb, w + 2 * m->rb, rows * m->rb, whole, m, acc);
    for (int32_t j = whole * rows; j < count; j += rows) { /* rows from the copy, and those left over */
        const uint8_t *r[3];
        for (int i = 0; i < 3; i++) { /* past count: the last row again, its sums dropped */
            const int32_t row = j0 + (j + i < count ? j + i : count - 1);
            r[i] = row < m->t0 ? m->w + row * m->rb : m->tail + (row - m->t0) * m->rb;
        }
        if (rows == 3 && j + 3 > count) {
            for (int i = 0; j + i < count; i++) {
                acc[j + i] = one_by_bits[m->bits](r[i], m);
            }
        } else {
            blocks(r[0], r[1], r[2], 0, 1, m, acc + j);
        }
    }
}

hil_mp_mat_t hil_mp_matrix(const hil_mp_gru_t *p, int k, int32_t *lay, uint8_t **tail)
{
    const int32_t n = k < 3 ? p->in_dim : p->units, bits = p->bits[k], rb = HIL_MP_ROW_BYTES(n, bits);
    const int32_t k_shift = bits < 8 ? hil_mp_widths[bits].k : 0;
    hil_mp_mat_t m = {p->w[k], *tail, lay, n, bits, rb, (n + 15) >> 4, p->units, k_shift, 0};
    if (bits < 8) {
        const int32_t reach = m.steps * 2 * bits + 4, end = p->units * rb; /* bytes a row's loop reads */
        while (m.t0 > 0 && (m.t0 - 1) * rb + reach > end) {
            m.t0--;
        }
        const int32_t kept = (p->units - m.t0) * rb, size = (p->units - m.t0 - 1) * rb + reach;
        memcpy(*tail, m.w + m.t0 * rb, (size_t)kept);
        memset(*tail + kept, 0, (size_t)(size - kept));
        *tail += (size + 3) & ~3;
    }
    return m;
}
