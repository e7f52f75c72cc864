/* Private to src/kernels: what the pooling kernels (hil/kernels_pool.h)
 * share: the window of an output pixel, the average's rounding, and the
 * reference body written once for both pools and both types. */
#ifndef HIL_POOL_IMPL_H
#define HIL_POOL_IMPL_H

#include "hil/kernels_pool.h"
#include "hil/qmath.h"

/* The taps of one output pixel's window that lie inside the input: `rows` x
 * `cols` of them, the first at element `offset` of the batch's image. Never
 * empty, and every sum here fits int32: prepare() checks the geometry. */
typedef struct {
    int32_t offset;
    int32_t rows, cols;
} hil_pool_win_t;

static inline hil_pool_win_t hil_pool_window(const hil_pool_t *p, int32_t oy, int32_t ox)
{
    const int32_t iy = oy * p->stride_h - p->pad_h, ix = ox * p->stride_w - p->pad_w;
    const int32_t y0 = iy > 0 ? iy : 0, x0 = ix > 0 ? ix : 0;
    const int32_t y1 = p->in_h - iy < p->k_h ? p->in_h : iy + p->k_h;
    const int32_t x1 = p->in_w - ix < p->k_w ? p->in_w : ix + p->k_w;
    const hil_pool_win_t w = {(y0 * p->in_w + x0) * p->channels, y1 - y0, x1 - x0};
    return w;
}

/* TFLM's average: sum / count rounded half away from zero (count > 0). */
static inline int32_t hil_pool_round_div(int32_t sum, int32_t count)
{
    return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

/* The body of the reference pools (parameters in, out, p), TFLM's loop: per
 * output pixel and channel, acc starts at INIT, takes STEP for every tap v
 * inside the window, and RESULT (in terms of acc and count) is clamped and
 * stored. T is the element type. */
#define HIL_POOL_REF(T, INIT, STEP, RESULT)                                                                            \
    const int32_t ch_ = p->channels, row_ = p->in_w * ch_;                                                             \
    for (int32_t b_ = 0; b_ < p->batches; b_++) {                                                                      \
        const T *image_ = in + b_ * p->in_h * row_;                                                                    \
        for (int32_t oy_ = 0; oy_ < p->out_h; oy_++) {                                                                 \
            for (int32_t ox_ = 0; ox_ < p->out_w; ox_++) {                                                             \
                const hil_pool_win_t w_ = hil_pool_window(p, oy_, ox_);                                                \
                const int32_t count = w_.rows * w_.cols;                                                               \
                for (int32_t c_ = 0; c_ < ch_; c_++) {                                                                 \
                    const T *x_ = image_ + w_.offset + c_;                                                             \
                    int32_t acc = (INIT);                                                                              \
                    for (int32_t r_ = 0; r_ < w_.rows; r_++) {                                                         \
                        for (int32_t k_ = 0; k_ < w_.cols; k_++) {                                                     \
                            const int32_t v = x_[r_ * row_ + k_ * ch_];                                                \
                            STEP;                                                                                      \
                        }                                                                                              \
                    }                                                                                                  \
                    (void)count;                                                                                       \
                    *out++ = (T)hil_clamp((RESULT), p->act_min, p->act_max);                                           \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
    }

#define HIL_AVERAGE_POOL_REF(T) HIL_POOL_REF(T, 0, acc += v, hil_pool_round_div(acc, count))
#define HIL_MAX_POOL_REF(T, LOWEST) HIL_POOL_REF(T, LOWEST, acc = v > acc ? v : acc, acc)

/* The channels the optimised pools' groups leave (SINGLE of HIL_POOL_GROUP_WALK below), one at a time:
 * the average (the sum of the window's taps by their count, rounded, clamped) or the maximum (clamped). */
static inline int8_t hil_pool_average_s8(int32_t sum, int32_t count, const hil_pool_t *p)
{
    return (int8_t)hil_clamp(hil_pool_round_div(sum, count), p->act_min, p->act_max);
}

static inline void hil_pool_average_one_s8(const int8_t *x, int8_t *out, const hil_pool_win_t *w, const hil_pool_t *p)
{
    const int32_t ch = p->channels, row = p->in_w * ch;
    int32_t sum = 0;
    for (int32_t r = w->rows; r > 0; r--, x += row) {
        const int8_t *xp = x;
        for (int32_t n = w->cols; n > 0; n--, xp += ch) {
            sum += *xp;
        }
    }
    *out = hil_pool_average_s8(sum, w->rows * w->cols, p);
}

static inline void hil_pool_max_one_s8(const int8_t *x, int8_t *out, const hil_pool_win_t *w, const hil_pool_t *p)
{
    const int32_t ch = p->channels, row = p->in_w * ch;
    int32_t m = INT8_MIN;
    for (int32_t r = w->rows; r > 0; r--, x += row) {
        const int8_t *xp = x;
        for (int32_t n = w->cols; n > 0; n--, xp += ch) {
            m = *xp > m ? *xp : m;
        }
    }
    *out = (int8_t)hil_clamp(m, p->act_min, p->act_max);
}

/* The pixel walk of the optimised pools (parameters in, out, p): for every
 * output pixel, GROUP(x, o, &w, p, 2) for channels [c, c + 8) while eight remain,
 * GROUP(..., 1) for four more if four remain, then SINGLE(x, o, &w, p) for
 * each channel left; x points at channel c of the window's first tap, o at
 * channel c of the output pixel. */
#define HIL_POOL_GROUP_WALK(GROUP, SINGLE)                                                                             \
    const int32_t ch_ = p->channels, row_ = p->in_w * ch_;                                                             \
    for (int32_t b_ = 0; b_ < p->batches; b_++) {                                                                      \
        const int8_t *image_ = in + b_ * p->in_h * row_;                                                               \
        for (int32_t oy_ = 0; oy_ < p->out_h; oy_++) {                                                                 \
            for (int32_t ox_ = 0; ox_ < p->out_w; ox_++, out += ch_) {                                                 \
                const hil_pool_win_t w_ = hil_pool_window(p, oy_, ox_);                                                \
                const int8_t *x_ = image_ + w_.offset;                                                                 \
                int32_t c_ = 0;                                                                                        \
                for (; c_ + 8 <= ch_; c_ += 8) {                                                                       \
                    GROUP(x_ + c_, out + c_, &w_, p, 2);                                                               \
                }                                                                                                      \
                if (c_ + 4 <= ch_) {                                                                                   \
                    GROUP(x_ + c_, out + c_, &w_, p, 1);                                                               \
                    c_ += 4;                                                                                           \
                }                                                                                                      \
                for (; c_ < ch_; c_++) {                                                                               \
                    SINGLE(x_ + c_, out + c_, &w_, p);                                                                 \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
    }

#endif
