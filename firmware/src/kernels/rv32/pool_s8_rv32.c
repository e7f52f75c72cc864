#include "../pool_impl.h"
#include "hil/kernels_rv32.h"

/* Eight (or four) channels at a time, each in a register of its own: per
 * tap, a byte load and an add (or a compare) per channel, the tap's pointer
 * stepped once for all of them. int32 sums cannot overflow (prepare bounds
 * the taps), and integer sums and maxima do not depend on their order: the
 * result is the reference's. */

/* Channels [c, c + 4 * words) summed over the window into s. */
__attribute__((always_inline)) static inline void sum_taps(const int8_t *x, const hil_pool_win_t *w,
                                                           const hil_pool_t *p, int32_t s[8], const int words)
{
    const int32_t ch = p->channels, row = p->in_w * ch;
    int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (int32_t r = w->rows; r > 0; r--, x += row) {
        const int8_t *xp = x;
        for (int32_t n = w->cols; n > 0; n--, xp += ch) {
            s0 += xp[0], s1 += xp[1], s2 += xp[2], s3 += xp[3];
            if (words == 2) {
                s4 += xp[4], s5 += xp[5], s6 += xp[6], s7 += xp[7];
            }
        }
    }
    s[0] = s0, s[1] = s1, s[2] = s2, s[3] = s3, s[4] = s4, s[5] = s5, s[6] = s6, s[7] = s7;
}

__attribute__((always_inline)) static inline void avg_group(const int8_t *x, int8_t *out, const hil_pool_win_t *w,
                                                            const hil_pool_t *p, const int words)
{
    int32_t s[8];
    sum_taps(x, w, p, s, words);
    for (int k = 0; k < 4 * words; k++) {
        out[k] = hil_pool_average_s8(s[k], w->rows * w->cols, p);
    }
}

void hil_average_pool_s8_rv32(const int8_t *in, int8_t *out, const hil_pool_t *p)
{
    HIL_POOL_GROUP_WALK(avg_group, hil_pool_average_one_s8);
}

#define MAX(m, v) ((m) = (v) > (m) ? (v) : (m))

__attribute__((always_inline)) static inline void max_group(const int8_t *x, int8_t *out, const hil_pool_win_t *w,
                                                            const hil_pool_t *p, const int words)
{
    const int32_t ch = p->channels, row = p->in_w * ch;
    int32_t m0 = INT8_MIN, m1 = m0, m2 = m0, m3 = m0, m4 = m0, m5 = m0, m6 = m0, m7 = m0;
    for (int32_t r = w->rows; r > 0; r--, x += row) {
        const int8_t *xp = x;
        for (int32_t n = w->cols; n > 0; n--, xp += ch) {
            MAX(m0, xp[0]), MAX(m1, xp[1]), MAX(m2, xp[2]), MAX(m3, xp[3]);
            if (words == 2) {
                MAX(m4, xp[4]), MAX(m5, xp[5]), MAX(m6, xp[6]), MAX(m7, xp[7]);
            }
        }
    }
    const int32_t m[8] = {m0, m1, m2, m3, m4, m5, m6, m7};
    for (int k = 0; k < 4 * words; k++) {
        out[k] = (int8_t)hil_clamp(m[k], p->act_min, p->act_max);
    }
}

void hil_max_pool_s8_rv32(const int8_t *in, int8_t *out, const hil_pool_t *p)
{
    HIL_POOL_GROUP_WALK(max_group, hil_pool_max_one_s8);
}
