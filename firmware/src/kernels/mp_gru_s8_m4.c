/* The MP-GRU step, Cortex-M4 form. Units go in chunks of HIL_MP_CHUNK: the
 * six matrices' dot products of a chunk's rows (mp_gru_dot_m4.h), then the
 * element-wise chain of each unit (mp_gru_unit_m4.h). */
#include "hil/kernels_mp_gru.h"
#include "mp_gru_dot_m4.h"
#include "mp_gru_unit_m4.h"

#define HIL_MP_STRIDE (HIL_MP_CHUNK + 2) /* words between the rows of acc; a block may write two past a chunk */

/* The rescales of b_z, b_r, b_h_in, b_h_rec (the order of hil_mp_gru_t.b). */
static const int bias_rescale[4] = {HIL_MPM_B_Z, HIL_MPM_B_R, HIL_MPM_B_HIN, HIL_MPM_B_HREC};

/* h_out[j0 + j], j < count, from the chunk's dot products in acc (rows of HIL_MP_STRIDE). */
__attribute__((noinline)) static void units(const hil_mp_gru_t *p, const hil_mp_unit_t *u, int32_t j0, int32_t count,
                                            int32_t *acc, const int8_t *h, int8_t *h_out)
{
    for (int k = 0; k < 4; k++) {
        hil_mp_bias_terms(p->b[k], p->bits[HIL_MPG_B_Z + (k < 2 ? k : 2)], j0, count, &u->r[bias_rescale[k]],
                          acc + (6 + k) * HIL_MP_STRIDE);
    }
    for (int32_t j = 0; j < count; j++) {
        h_out[j0 + j] = hil_mp_unit_m4(u, acc + j, HIL_MP_STRIDE, h[j0 + j]);
    }
}

void hil_mp_gru_s8_m4(const hil_mp_gru_t *p, const int8_t *x, const int8_t *h, int8_t *h_out, int32_t batches,
                      int16_t *scratch)
{
    const int32_t I = p->in_dim, H = p->units, stride = HIL_MP_STRIDE;
    int32_t *acc = (int32_t *)(void *)scratch, *lay = acc + 10 * stride;
    uint8_t *tail = (uint8_t *)(lay + 3 * HIL_MP_PAD16(I) / 2 + 3 * HIL_MP_PAD16(H) / 2);
    hil_mp_unit_t u;
    const int fast = hil_mp_unit_prepare(p, &u);
    hil_mp_mat_t m[6];
    for (int k = 0; k < 6; k++) {
        m[k] = hil_mp_matrix(p, k, lay, &tail);
        for (int s = k - k % 3; s < k; s++) {
            m[k].x = m[s].bits == m[k].bits ? m[s].x : m[k].x;
        }
        lay += HIL_MP_PAD16(m[k].n) / 2;
    }
    for (int32_t b = 0; b < batches; b++, x += I, h += H, h_out += H) {
        hil_mp_layouts(m, x, h, -p->x_zp);
        for (int32_t j0 = 0; j0 < H; j0 += HIL_MP_CHUNK) {
            const int32_t count = H - j0 < HIL_MP_CHUNK ? H - j0 : HIL_MP_CHUNK;
            for (int k = 0; k < 6; k++) {
                hil_mp_dots(&m[k], j0, count, acc + k * stride);
            }
            if (!fast) {
                for (int32_t j = 0; j < count; j++) {
                    const int32_t *a = acc + j;
                    const int32_t d[6] = {a[0], a[stride], a[2 * stride], a[3 * stride], a[4 * stride], a[5 * stride]};
                    h_out[j0 + j] = hil_mp_gru_unit(p, j0 + j, d, h[j0 + j]);
                }
                continue;
            }
            units(p, &u, j0, count, acc, h, h_out);
        }
    }
}
