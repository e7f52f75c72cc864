/* Private to src/kernels: what the two MP-GRU kernels share, the unpacking of
 * one packed value and the per-unit element-wise chain after the six dot
 * products (hil/mpgru/ref.py, step). */
#ifndef HIL_MP_GRU_IMPL_H
#define HIL_MP_GRU_IMPL_H

#include "hil/kernels_mp_gru.h"
#include "hil/qmath.h"

/* Value i of a packed row, sign-extended; touches only the bytes it spans. */
static inline int32_t hil_mp_unpack1(const uint8_t *row, int32_t bits, int32_t i)
{
    const uint32_t bit = (uint32_t)i * (uint32_t)bits, s = bit & 7u;
    const uint8_t *p = row + (bit >> 3);
    uint32_t v = p[0];
    if (s + (uint32_t)bits > 8u) {
        v |= (uint32_t)p[1] << 8;
    }
    const uint32_t sign = 1u << (bits - 1);
    return (int32_t)(((v >> s) & ((sign << 1) - 1u)) ^ sign) - (int32_t)sign;
}

/* hil_requantize_fast equals hil_requantize for the multipliers and shifts prepare() admits. */
static inline int32_t hil_mp_rq(const hil_mp_gru_t *p, int k, int32_t v)
{
    return hil_requantize_fast(v, p->multiplier[k], p->shift[k]);
}

static inline int32_t hil_mp_sat(int32_t v, int32_t bits)
{
    return hil_clamp(v, -(1 << (bits - 1)), (1 << (bits - 1)) - 1);
}

/* a * b wrapping modulo 2^32, as the M4's MUL does. */
static inline int32_t hil_mp_mul(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a * (uint32_t)b);
}

static inline int32_t hil_mp_sub(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

/* sat(rd(a + b + c)): a sum formed HIL_MPG_FRAC_BITS below the target LSB, rounded and saturated. */
static inline int32_t hil_mp_round_sat(int32_t a, int32_t b, int32_t c, int32_t bits)
{
    const int32_t sum = hil_add_wrap(hil_add_wrap(a, b), c);
    return hil_mp_sat(hil_rounding_divide_by_pot(sum, HIL_MPG_FRAC_BITS), bits);
}

/* The new state of unit j from its dot products acc = {x.W_z, x.W_r, x.W_h,
 * h.U_z, h.U_r, h.U_h} (x already minus its zero point) and its old state. */
static inline int8_t hil_mp_gru_unit(const hil_mp_gru_t *p, int32_t j, const int32_t acc[6], int32_t h_j)
{
    const uint8_t *B = p->bits;
    const int32_t bz = hil_mp_unpack1(p->b[0], B[HIL_MPG_B_Z], j), br = hil_mp_unpack1(p->b[1], B[HIL_MPG_B_R], j);
    const int32_t bhin = hil_mp_unpack1(p->b[2], B[HIL_MPG_B_H], j);
    const int32_t bhrec = hil_mp_unpack1(p->b[3], B[HIL_MPG_B_H], j);
    const int32_t pz = hil_mp_round_sat(hil_mp_rq(p, HIL_MPM_X_Z, acc[0]), hil_mp_rq(p, HIL_MPM_H_Z, acc[3]),
                                        hil_mp_rq(p, HIL_MPM_B_Z, bz), B[HIL_MPG_Z_PRE]);
    const int32_t pr = hil_mp_round_sat(hil_mp_rq(p, HIL_MPM_X_R, acc[1]), hil_mp_rq(p, HIL_MPM_H_R, acc[4]),
                                        hil_mp_rq(p, HIL_MPM_B_R, br), B[HIL_MPG_R_PRE]);
    const int32_t z = p->lut_z[pz + (1 << (B[HIL_MPG_Z_PRE] - 1))];
    const int32_t r = p->lut_r[pr + (1 << (B[HIL_MPG_R_PRE] - 1))];
    const int32_t u = hil_add_wrap(hil_mp_rq(p, HIL_MPM_H_U, acc[5]), hil_mp_rq(p, HIL_MPM_B_HREC, bhrec));
    const int32_t rh = hil_mp_sat(hil_mp_rq(p, HIL_MPM_R_U, hil_mp_mul(r, u)), B[HIL_MPG_RH]);
    const int32_t ph = hil_mp_round_sat(hil_mp_rq(p, HIL_MPM_X_H, acc[2]), hil_mp_rq(p, HIL_MPM_RH_H, rh),
                                        hil_mp_rq(p, HIL_MPM_B_HIN, bhin), B[HIL_MPG_H_PRE]);
    const int32_t hc = p->lut_h[ph + (1 << (B[HIL_MPG_H_PRE] - 1))];
    const int32_t d = hil_mp_sub(hil_mp_rq(p, HIL_MPM_H_D, h_j), hil_mp_rq(p, HIL_MPM_HH_D, hc));
    const int32_t zh = hil_mp_sat(hil_mp_rq(p, HIL_MPM_Z_D, hil_mp_mul(z, d)), B[HIL_MPG_ZH]);
    return (int8_t)hil_mp_round_sat(hil_mp_rq(p, HIL_MPM_HH_H, hc), hil_mp_rq(p, HIL_MPM_V_H, zh), 0, B[HIL_MPG_H]);
}

#endif
