/* The MP-GRU step, reference form: one packed weight at a time. */
#include "hil/kernels_mp_gru.h"
#include "mp_gru_impl.h"

static int32_t dot(const uint8_t *row, int32_t bits, const int8_t *v, int32_t n, int32_t offset)
{
    int32_t acc = 0;
    for (int32_t i = 0; i < n; i++) {
        acc += ((int32_t)v[i] + offset) * hil_mp_unpack1(row, bits, i);
    }
    return acc;
}

void hil_mp_gru_s8(const hil_mp_gru_t *p, const int8_t *x, const int8_t *h, int8_t *h_out, int32_t batches)
{
    const int32_t I = p->in_dim, H = p->units;
    for (int32_t b = 0; b < batches; b++, x += I, h += H, h_out += H) {
        for (int32_t j = 0; j < H; j++) {
            int32_t acc[6];
            for (int m = 0; m < 6; m++) {
                const int32_t n = m < 3 ? I : H, bits = p->bits[m];
                acc[m] = dot(p->w[m] + j * HIL_MP_ROW_BYTES(n, bits), bits, m < 3 ? x : h, n, m < 3 ? -p->x_zp : 0);
            }
            h_out[j] = hil_mp_gru_unit(p, j, acc, h[j]);
        }
    }
}
