/* Private to src/kernels: the MP-GRU's element-wise chain (hil_mp_gru_unit
 * in mp_gru_impl.h) for the M4 kernel, with what depends only on the layer
 * worked out once a call. The results are the same bit for bit:
 *  - a rescale with shift s >= 0 is floor((x' * m + 2^30) / 2^31), x' = x << s
 *    wrapping; with m in [2^30, 2^31), m2 = 2m - 2^32 is an int32 and
 *    x' * 2m = x' * m2 + x' * 2^32, so it is SMMLAR(x', m2, x') (exact for
 *    every x'); hil_mp_unit_prepare refuses a layer with a smaller multiplier;
 *  - with s < 0 it is hil_requant_apply (qmath.h) of the multiplier's entry;
 *  - saturations to b bits are SSATs (hil_mp_sat_to, hil_mp_rd_sat);
 *  - the look-up tables are indexed from their middle, by the signed value. */
#ifndef HIL_MP_GRU_UNIT_M4_H
#define HIL_MP_GRU_UNIT_M4_H

#include "mp_gru_impl.h"
#include "simd_m4.h"

typedef struct {
    int32_t m2, sl;    /* sl >= 0: SMMLAR(x << sl, m2, x << sl) */
    hil_requant_t rq;  /* sl < 0 */
} hil_mp_rescale_t;

typedef struct {
    hil_mp_rescale_t r[HIL_MPM_N];
    int32_t bits[HIL_MPG_N_BITS], up[HIL_MPG_N_BITS]; /* each operator's width b, and 8 - b */
    const uint8_t *lut_z, *lut_r;
    const int8_t *lut_h;
} hil_mp_unit_t;

/* Fills u from p; 0 when a multiplier is below 2^30 (the caller then runs hil_mp_gru_unit). */
static inline int hil_mp_unit_prepare(const hil_mp_gru_t *p, hil_mp_unit_t *u)
{
    int ok = 1;
    for (int k = 0; k < HIL_MPM_N; k++) {
        const int32_t m = p->multiplier[k], s = p->shift[k];
        ok &= m >= (1 << 30);
        u->r[k].m2 = (int32_t)(2u * (uint32_t)m);
        u->r[k].sl = s >= 0 ? s : -1;
        u->r[k].rq = hil_requant_entry(m, s < 0 ? s : -1);
    }
    for (int k = 0; k < HIL_MPG_N_BITS; k++) {
        u->bits[k] = p->bits[k];
        u->up[k] = 8 - p->bits[k];
    }
    u->lut_z = p->lut_z + (1 << (p->bits[HIL_MPG_Z_PRE] - 1));
    u->lut_r = p->lut_r + (1 << (p->bits[HIL_MPG_R_PRE] - 1));
    u->lut_h = p->lut_h + (1 << (p->bits[HIL_MPG_H_PRE] - 1));
    return ok;
}

static inline int32_t hil_mp_rs_a(const hil_mp_rescale_t *r, int32_t x)
{
    const int32_t v = (int32_t)((uint32_t)x << r->sl);
    return hil_smmlar(v, r->m2, v);
}

static inline int32_t hil_mp_rs(const hil_mp_unit_t *u, int k, int32_t x)
{
    const hil_mp_rescale_t *r = &u->r[k];
    return r->sl >= 0 ? hil_mp_rs_a(r, x) : hil_requant_apply(x, &r->rq);
}

/* The value at `bit` of a packed vector, sign-extended (reads only the bytes it spans). */
static inline int32_t hil_mp_value_at(const uint8_t *b, uint32_t bit, int32_t bits)
{
    const uint8_t *p = b + (bit >> 3);
    const uint32_t s = bit & 7u;
    const uint32_t w = s + (uint32_t)bits > 8u ? (uint32_t)p[0] | (uint32_t)p[1] << 8 : p[0];
    return (int32_t)(w << (32u - (uint32_t)bits - s)) >> (32 - bits);
}

/* out[j] = the rescaled bias value j0 + j of packed vector b, j < count (one loop per kind). */
static inline void hil_mp_bias_terms(const uint8_t *b, int32_t bits, int32_t j0, int32_t count,
                                     const hil_mp_rescale_t *rescale, int32_t *out)
{
    const hil_mp_rescale_t r = *rescale; /* a copy: the stores to out[] cannot change it */
    uint32_t bit = (uint32_t)(j0 * bits);
    if (r.sl >= 0) {
        for (int32_t j = 0; j < count; j++, bit += (uint32_t)bits) {
            out[j] = hil_mp_rs_a(&r, hil_mp_value_at(b, bit, bits));
        }
    } else {
        for (int32_t j = 0; j < count; j++, bit += (uint32_t)bits) {
            out[j] = hil_requant_apply(hil_mp_value_at(b, bit, bits), &r.rq);
        }
    }
}

/* sat(v) at operator op's width b <= 8: sat_b(v) = sat_8(v * 2^(8-b)) / 2^(8-b) (127 >> (8-b) is
 * 2^(b-1) - 1); v clamped to +-2^23 first, so that the product cannot wrap. */
static inline int32_t hil_mp_sat_to(const hil_mp_unit_t *u, int op, int32_t v)
{
    return HIL_SSAT((int32_t)((uint32_t)HIL_SSAT(v, 24) << u->up[op]), 8) >> u->up[op];
}

/* sat(rd(sum)) at operator op's width b: with x = sum + 128 - [sum < 0] (sum clamped to +-2^30
 * first, which changes nothing the saturation lets through), rd(sum) = floor(x / 2^8), and
 * sat_b(floor(x / 2^8)) = sat_8(floor(x / 2^b)) / 2^(8-b) rounded down, as for hil_mp_sat_to. */
static inline int32_t hil_mp_rd_sat(const hil_mp_unit_t *u, int op, int32_t sum)
{
    const int32_t v = HIL_SSAT(sum, 31);
    const int32_t x = v + (1 << (HIL_MPG_FRAC_BITS - 1)) - (int32_t)((uint32_t)v >> 31);
    return HIL_SSAT(x >> u->bits[op], 8) >> u->up[op];
}

/* hil_mp_gru_unit for one unit from u: a[k * s], k < 6, its dot products; a[(6 + k) * s] its
 * rescaled biases b_z, b_r, b_h_in, b_h_rec. */
static inline int8_t hil_mp_unit_m4(const hil_mp_unit_t *u, const int32_t *a, int32_t s, int32_t h_j)
{
    const int32_t pz = hil_mp_rd_sat(u, HIL_MPG_Z_PRE, hil_add_wrap(hil_add_wrap(hil_mp_rs(u, HIL_MPM_X_Z, a[0]),
                                     hil_mp_rs(u, HIL_MPM_H_Z, a[3 * s])), a[6 * s]));
    const int32_t pr = hil_mp_rd_sat(u, HIL_MPG_R_PRE, hil_add_wrap(hil_add_wrap(hil_mp_rs(u, HIL_MPM_X_R, a[s]),
                                     hil_mp_rs(u, HIL_MPM_H_R, a[4 * s])), a[7 * s]));
    const int32_t z = u->lut_z[pz], r = u->lut_r[pr];
    const int32_t uh = hil_add_wrap(hil_mp_rs(u, HIL_MPM_H_U, a[5 * s]), a[9 * s]);
    const int32_t rh = hil_mp_sat_to(u, HIL_MPG_RH, hil_mp_rs(u, HIL_MPM_R_U, hil_mp_mul(r, uh)));
    const int32_t ph = hil_mp_rd_sat(u, HIL_MPG_H_PRE, hil_add_wrap(hil_add_wrap(hil_mp_rs(u, HIL_MPM_X_H, a[2 * s]),
                                     hil_mp_rs(u, HIL_MPM_RH_H, rh)), a[8 * s]));
    const int32_t hc = u->lut_h[ph];
    const int32_t d = hil_mp_sub(hil_mp_rs(u, HIL_MPM_H_D, h_j), hil_mp_rs(u, HIL_MPM_HH_D, hc));
    const int32_t zh = hil_mp_sat_to(u, HIL_MPG_ZH, hil_mp_rs(u, HIL_MPM_Z_D, hil_mp_mul(z, d)));
    const int32_t hh = hil_mp_rs(u, HIL_MPM_HH_H, hc);
    return (int8_t)hil_mp_rd_sat(u, HIL_MPG_H, hil_add_wrap(hh, hil_mp_rs(u, HIL_MPM_V_H, zh)));
}

#endif
