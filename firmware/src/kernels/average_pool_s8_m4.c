#include "pool_impl.h"
#include "simd_m4.h"

/* Eight (or four) channels at a time: per tap, two words (one) of input,
 * their bytes added into the 16-bit lanes of four words (two) with SXTAB16:
 * channels c, c + 2 in one, c + 1, c + 3 in the next. A lane holds the sum
 * of 256 int8 taps (256 * -128 = INT16_MIN): a window of at most 256 taps
 * (2x2, 3x3, 8x8, DS-CNN's 25x5) is summed in the lanes alone; a larger one
 * in blocks of whole rows (or pieces of rows, for rows of more than 256 taps)
 * whose lanes are widened into int32 sums. Integer sums do not depend on
 * their order, so the result is the reference's. */

#define LANE_TAPS 256

/* Adds rows x n taps from x (taps ch apart, rows row apart) into the lanes. */
__attribute__((always_inline)) static inline void add_taps(const int8_t *x, int32_t rows, int32_t n, int32_t ch,
                                                           int32_t row, int32_t *lanes, const int words)
{
    int32_t e0 = lanes[0], o0 = lanes[1], e1 = lanes[2], o1 = lanes[3];
    for (; rows > 0; rows--, x += row) {
        const int8_t *xp = x;
        for (int32_t k = n; k > 0; k--, xp += ch) {
            const int32_t v0 = hil_read_s8x4(xp);
            e0 = hil_sxtab16(e0, v0), o0 = hil_sxtab16_ror8(o0, v0);
            if (words == 2) {
                const int32_t v1 = hil_read_s8x4(xp + 4);
                e1 = hil_sxtab16(e1, v1), o1 = hil_sxtab16_ror8(o1, v1);
            }
        }
    }
    lanes[0] = e0, lanes[1] = o0, lanes[2] = e1, lanes[3] = o1;
}

/* The four channels of an (even, odd) pair of lane words, in channel order. */
static inline void unpack(int32_t *s, int32_t even, int32_t odd)
{
    s[0] = (int16_t)(uint16_t)((uint32_t)even & 0xFFFFu);
    s[1] = (int16_t)(uint16_t)((uint32_t)odd & 0xFFFFu);
    s[2] = even >> 16;
    s[3] = odd >> 16;
}

/* The window's sums in int32, in blocks of at most LANE_TAPS taps. */
__attribute__((always_inline)) static inline void sum_blocks(const int8_t *x, const hil_pool_win_t *w, int32_t ch,
                                                             int32_t row, int32_t *s, const int words)
{
    for (int k = 0; k < 8; k++) {
        s[k] = 0;
    }
    const int32_t piece = w->cols < LANE_TAPS ? w->cols : LANE_TAPS; /* taps of a row per pass */
    const int32_t rows_per_block = LANE_TAPS / piece;
    for (int32_t c0 = 0; c0 < w->cols; c0 += piece) {
        const int32_t n = w->cols - c0 < piece ? w->cols - c0 : piece;
        for (int32_t r = 0; r < w->rows; r += rows_per_block) {
            int32_t lanes[4] = {0, 0, 0, 0}, part[8];
            const int32_t rows = w->rows - r < rows_per_block ? w->rows - r : rows_per_block;
            add_taps(x + r * row + c0 * ch, rows, n, ch, row, lanes, words);
            unpack(part, lanes[0], lanes[1]);
            unpack(part + 4, lanes[2], lanes[3]);
            for (int k = 0; k < 4 * words; k++) {
                s[k] += part[k];
            }
        }
    }
}

/* Channels [c, c + 4 * words) of one output pixel, words 1 or 2 (a constant
 * at every call, so each gets its own loops). */
__attribute__((always_inline)) static inline void group(const int8_t *x, int8_t *out, const hil_pool_win_t *w,
                                                        const hil_pool_t *p, const int words)
{
    const int32_t ch = p->channels, row = p->in_w * ch, count = w->rows * w->cols;
    int32_t s[8];
    if (count <= LANE_TAPS) {
        int32_t lanes[4] = {0, 0, 0, 0};
        add_taps(x, w->rows, w->cols, ch, row, lanes, words);
        unpack(s, lanes[0], lanes[1]);
        unpack(s + 4, lanes[2], lanes[3]);
    } else {
        sum_blocks(x, w, ch, row, s, words);
    }
    for (int k = 0; k < 4 * words; k++) {
        out[k] = hil_pool_average_s8(s[k], count, p);
    }
}

void hil_average_pool_s8_m4(const int8_t *in, int8_t *out, const hil_pool_t *p)
{
    HIL_POOL_GROUP_WALK(group, hil_pool_average_one_s8);
}
