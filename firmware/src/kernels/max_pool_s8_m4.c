#include "pool_impl.h"
#include "simd_m4.h"

/* Eight (or four) channels at a time: per tap, two words (one) of input, the
 * running maximum of their bytes kept in as many words (SSUB8 + SEL), clamped
 * the same way at the end and stored a word at a time. */

static int32_t replicate(int32_t v)
{
    return (int32_t)(((uint32_t)v & 0xFFu) * 0x01010101u);
}

/* Channels [c, c + 4 * words) of one output pixel, words 1 or 2. */
__attribute__((always_inline)) static inline void group(const int8_t *x, int8_t *out, const hil_pool_win_t *w,
                                                        const hil_pool_t *p, const int words)
{
    const int32_t ch = p->channels, row = p->in_w * ch;
    int32_t m0 = (int32_t)0x80808080u, m1 = m0;
    for (int32_t r = w->rows; r > 0; r--, x += row) {
        const int8_t *xp = x;
        for (int32_t n = w->cols; n > 0; n--, xp += ch) {
            m0 = hil_max_s8x4(m0, hil_read_s8x4(xp));
            if (words == 2) {
                m1 = hil_max_s8x4(m1, hil_read_s8x4(xp + 4));
            }
        }
    }
    const int32_t lo = replicate(p->act_min), hi = replicate(p->act_max);
    hil_write_s8x4(out, hil_min_s8x4(hil_max_s8x4(m0, lo), hi));
    if (words == 2) {
        hil_write_s8x4(out + 4, hil_min_s8x4(hil_max_s8x4(m1, lo), hi));
    }
}

void hil_max_pool_s8_m4(const int8_t *in, int8_t *out, const hil_pool_t *p)
{
    HIL_POOL_GROUP_WALK(group, hil_pool_max_one_s8);
}
