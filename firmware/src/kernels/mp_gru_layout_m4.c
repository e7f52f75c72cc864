/* The inputs of the M4 MP-GRU kernel laid out for the dot-product loops (mp_gru_dot_m4.h). */
#include "mp_gru_dot_m4.h"

/* v[0..n) + offset for the 8-bit loop: int16 pairs (v0, v2), (v1, v3) per four values, then the rest one a word. */
static void layout8(const int8_t *v, int32_t n, int32_t offset, int32_t *dst)
{
    int32_t i = 0;
    for (; i + 4 <= n; i += 4, dst += 2) {
        dst[0] = (int32_t)((uint32_t)(uint16_t)(v[i] + offset) | (uint32_t)(v[i + 2] + offset) << 16);
        dst[1] = (int32_t)((uint32_t)(uint16_t)(v[i + 1] + offset) | (uint32_t)(v[i + 3] + offset) << 16);
    }
    for (; i < n; i++) {
        *dst++ = v[i] + offset;
    }
}

/* v[0..n) + offset as the pairs of width d, scaled, zero from n up to a multiple of 16. */
static void layout_narrow(const int8_t *v, int32_t n, int32_t offset, const hil_mp_width_t *d, int32_t *dst)
{
    for (int32_t g = 0; g < HIL_MP_PAD16(n); g += d->g) {
        for (int p = 0; p < d->pairs; p++) {
            const int32_t lo = g + d->lo[p], hi = g + d->hi[p];
            const int32_t a = lo < n ? (v[lo] + offset) * d->x_lo : 0, b = hi < n ? (v[hi] + offset) * d->x_hi : 0;
            *dst++ = (int32_t)((uint32_t)(uint16_t)a | (uint32_t)b << 16);
        }
    }
}

void hil_mp_layouts(hil_mp_mat_t *m, const int8_t *x, const int8_t *h, int32_t x_off)
{
    int32_t sum[2] = {0, 0};
    for (int32_t i = 0; i < m[0].n; i++) {
        sum[0] += x[i] + x_off;
    }
    for (int32_t i = 0; i < m[3].n; i++) {
        sum[1] += h[i];
    }
    for (int k = 0; k < 6; k++) {
        m[k].flip = m[k].bits < 8 ? (int32_t)((uint32_t)sum[k / 3] << (m[k].bits - 1)) : 0;
        int shared = 0;
        for (int s = k - k % 3; s < k; s++) {
            shared |= m[s].x == m[k].x;
        }
        if (shared) {
            continue;
        }
        if (m[k].bits == 8) {
            layout8(k < 3 ? x : h, m[k].n, k < 3 ? x_off : 0, m[k].x);
        } else {
            layout_narrow(k < 3 ? x : h, m[k].n, k < 3 ? x_off : 0, &hil_mp_widths[m[k].bits], m[k].x);
        }
    }
}
