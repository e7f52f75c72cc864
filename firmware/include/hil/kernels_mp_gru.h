/* The mixed-precision integer GRU step (HIL_MP_GRU, reset_after=True): every
 * operator has its own bit width in 2..8. The arithmetic is defined by
 * hil/mpgru/ref.py and docs/mpgru.md; hil_mp_gru_s8 is its plain C form and
 * hil_mp_gru_s8_m4 the Cortex-M4 form (SMLAD on the packed words at every
 * width, docs/mpgru.md "The M4 kernel"), bit for bit the same.
 *
 * Weights and biases are packed LSB-first at their bit width, two's
 * complement, each matrix row padded to a whole byte (hil/mpgru/pack.py).
 * The kernels trust their arguments: op_mp_gru.c checks them in prepare(). */
#ifndef HIL_KERNELS_MP_GRU_H
#define HIL_KERNELS_MP_GRU_H

#include <stdint.h>

/* Indices into bits[] (hil.mpgru.genome.OPERATORS). */
enum {
    HIL_MPG_W_Z, HIL_MPG_W_R, HIL_MPG_W_H, HIL_MPG_U_Z, HIL_MPG_U_R, HIL_MPG_U_H,
    HIL_MPG_B_Z, HIL_MPG_B_R, HIL_MPG_B_H, HIL_MPG_Z_PRE, HIL_MPG_R_PRE, HIL_MPG_H_PRE,
    HIL_MPG_Z, HIL_MPG_R, HIL_MPG_H_CAND, HIL_MPG_RH, HIL_MPG_ZH, HIL_MPG_H, HIL_MPG_N_BITS
};

/* Indices into multiplier[] / shift[] (hil.mpgru.quant.MULT_NAMES). */
enum {
    HIL_MPM_X_Z, HIL_MPM_H_Z, HIL_MPM_B_Z, HIL_MPM_X_R, HIL_MPM_H_R, HIL_MPM_B_R, HIL_MPM_H_U, HIL_MPM_B_HREC,
    HIL_MPM_R_U, HIL_MPM_X_H, HIL_MPM_RH_H, HIL_MPM_B_HIN, HIL_MPM_H_D, HIL_MPM_HH_D, HIL_MPM_Z_D, HIL_MPM_HH_H,
    HIL_MPM_V_H, HIL_MPM_N
};

#define HIL_MPG_FRAC_BITS 8

typedef struct {
    int32_t in_dim, units, x_zp;
    const uint8_t *bits;       /* [HIL_MPG_N_BITS], each 2..8 */
    const int32_t *multiplier; /* [HIL_MPM_N], >= 0 */
    const int32_t *shift;      /* [HIL_MPM_N], -31..30 */
    const uint8_t *lut_z;      /* [2^bits[Z_PRE]]: 0..2^bits[Z] - 1 */
    const uint8_t *lut_r;      /* [2^bits[R_PRE]] */
    const int8_t *lut_h;       /* [2^bits[H_PRE]]: +-(2^(bits[H_CAND]-1) - 1) */
    const uint8_t *w[6];       /* packed W_z, W_r, W_h [units][in_dim], U_z, U_r, U_h [units][units] */
    const uint8_t *b[4];       /* packed b_z, b_r, b_h_in, b_h_rec [units] */
} hil_mp_gru_t;

/* Row bytes of n values at `bits`. */
#define HIL_MP_ROW_BYTES(n, bits) (((n) * (bits) + 7) / 8)

/* Scratch of hil_mp_gru_s8_m4 in bytes: the dot products and rescaled biases of HIL_MP_CHUNK
 * units (int32 per matrix and bias, two spare), x and h as int16 laid out for each of the six matrices, and for each
 * matrix below 8 bits a copy of the rows whose whole-word reads would pass its end. */
#define HIL_MP_PAD16(n) (((n) + 15) & ~15)
#define HIL_MP_CHUNK 24
#define HIL_MP_TAIL(n) (7 * HIL_MP_PAD16(n) / 4 + 12)
#define HIL_MP_GRU_M4_SCRATCH(in_dim, units)                                                                  \
    (40 * (HIL_MP_CHUNK + 2) + 2 * (3 * HIL_MP_PAD16(in_dim) + 3 * HIL_MP_PAD16(units)) +                      \
     3 * HIL_MP_TAIL(in_dim) + 3 * HIL_MP_TAIL(units))

/* One step for `batches` rows: x int8 [batches][in_dim], h [batches][units]
 * (the state at bits[H]) -> h_out [batches][units]; h_out must not overlap h. */
void hil_mp_gru_s8(const hil_mp_gru_t *p, const int8_t *x, const int8_t *h, int8_t *h_out, int32_t batches);

/* The same with SMLAD; scratch: HIL_MP_GRU_M4_SCRATCH bytes, 4-aligned. */
void hil_mp_gru_s8_m4(const hil_mp_gru_t *p, const int8_t *x, const int8_t *h, int8_t *h_out, int32_t batches,
                      int16_t *scratch);

#endif
