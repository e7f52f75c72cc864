/* Private to src/kernels: the dot products of the Cortex-M4 MP-GRU kernel
 * (mp_gru_s8_m4.c), one weight row against an input laid out for its width.
 *
 * 8 bits: HIL_DOT4X4 (SXTB16 + SMLAD) on four rows at a time, the input as
 * int16 pairs (x0, x2), (x1, x3) per four values, any tail value by value.
 *
 * 2 to 7 bits: a group of G values (GB bytes, so that groups start on a
 * byte) is read as one or two words, each XORed with a constant that flips
 * every value's sign bit: value v becomes the unsigned v + 2^(b-1). One AND
 * with a shifted operand then leaves two values in the two halfwords of a
 * register, each somewhere in its low 15 bits, which SMLAD multiplies with
 * an int16 pair of inputs. Inputs are scaled (layout) so that every product
 * carries the same factor 2^k whatever the value's place, and padded with
 * zeros to whole groups, so that the values past a row's end (its padding or
 * the next row) add nothing. So x . v = (S >> k) - 2^(b-1) * sum(x), S the
 * SMLAD sum: exact, |S| < 2^31 for rows of up to 4096 values. */
#ifndef HIL_MP_GRU_DOT_M4_H
#define HIL_MP_GRU_DOT_M4_H

#include <string.h>

#include "hil/kernels_mp_gru.h"
#include "simd_m4.h"

typedef struct {
    int8_t g, gb, pairs, k; /* values and bytes a group, pairs a group, products scaled by 2^k */
    int8_t lo[8], hi[8];    /* pair p's values in the group: low and high halfword */
    int8_t x_lo, x_hi;      /* input scale of the low and high halfword's value */
    uint32_t flip, mask;    /* the group's first word's sign flip (HIL_MP_GROUP_<bits>), the pair mask */
} hil_mp_width_t;

/* Indexed by bits 2..7, with HIL_MP_GROUP_<bits> below. */
static const hil_mp_width_t hil_mp_widths[8] = {
    [2] = {16, 4, 8, 0, {0, 1, 2, 3, 4, 5, 6, 7}, {8, 9, 10, 11, 12, 13, 14, 15}, 1, 1, 0xAAAAAAAAu, 0x00030003u},
    [3] = {8, 3, 4, 4, {0, 1, 2, 3}, {4, 5, 6, 7}, 1, 16, 0x24924924u, 0x00070070u},
    [4] = {8, 4, 4, 0, {0, 1, 2, 3}, {4, 5, 6, 7}, 1, 1, 0x88888888u, 0x000F000Fu},
    [5] = {8, 5, 4, 4, {0, 1, 2, 3}, {4, 5, 6, 7}, 16, 1, 0x21084210u, 0x01F0001Fu},
    [6] = {4, 3, 2, 4, {0, 1}, {2, 3}, 1, 16, 0x20820820u, 0x003F03F0u},
    [7] = {8, 7, 4, 2, {0, 1, 4, 5}, {2, 3, 6, 7}, 1, 4, 0x08102040u, 0x007F01FCu},
};

static inline uint32_t hil_mp_read32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* The portable form of the loops of mp_gru_asm_m4.h, one row (hil_mp_dot<bits>). Pair P of a
 * group from word W: W shifted right by SH (left if SH < 0), masked by M. Word A starts at the
 * group's first byte, word B where the width says. */
#define HIL_MP_PAIR_(W, SH, P)                                                                                 \
    s = hil_smlad(x[P], (int32_t)(((SH) >= 0 ? W >> ((SH) & 31) : W << (-(SH) & 31)) & M), s);
#define HIL_MP_WORD_(W, OFF, FLIP) const uint32_t W = hil_mp_read32(r + (OFF)) ^ (FLIP);
/* Per width: the words (byte offset, the XOR that flips every sign bit), the mask, the pairs. */
#define HIL_MP_K_(B) hil_mp_widths[B].flip
#define HIL_MP_M_(B) const uint32_t M = hil_mp_widths[B].mask;
#define HIL_MP_GROUP_2                                                                                         \
    HIL_MP_WORD_(A, 0, HIL_MP_K_(2)) HIL_MP_M_(2)                                                              \
    HIL_MP_PAIR_(A, 0, 0) HIL_MP_PAIR_(A, 2, 1) HIL_MP_PAIR_(A, 4, 2) HIL_MP_PAIR_(A, 6, 3)                    \
    HIL_MP_PAIR_(A, 8, 4) HIL_MP_PAIR_(A, 10, 5) HIL_MP_PAIR_(A, 12, 6) HIL_MP_PAIR_(A, 14, 7)
#define HIL_MP_GROUP_3                                                                                         \
    HIL_MP_WORD_(A, 0, HIL_MP_K_(3)) HIL_MP_M_(3)                                                              \
    HIL_MP_PAIR_(A, -4, 0) HIL_MP_PAIR_(A, -1, 1) HIL_MP_PAIR_(A, 2, 2) HIL_MP_PAIR_(A, 5, 3)
#define HIL_MP_GROUP_4                                                                                         \
    HIL_MP_WORD_(A, 0, HIL_MP_K_(4)) HIL_MP_M_(4)                                                              \
    HIL_MP_PAIR_(A, 0, 0) HIL_MP_PAIR_(A, 4, 1) HIL_MP_PAIR_(A, 8, 2) HIL_MP_PAIR_(A, 12, 3)
#define HIL_MP_GROUP_5                                                                                         \
    HIL_MP_WORD_(A, 0, HIL_MP_K_(5)) HIL_MP_WORD_(B, 1, HIL_MP_K_(5) << 2) HIL_MP_M_(5)                         \
    HIL_MP_PAIR_(A, 0, 0) HIL_MP_PAIR_(A, 5, 1) HIL_MP_PAIR_(B, 2, 2) HIL_MP_PAIR_(B, 7, 3)
#define HIL_MP_GROUP_6                                                                                         \
    HIL_MP_WORD_(A, 0, HIL_MP_K_(6)) HIL_MP_M_(6)                                                              \
    HIL_MP_PAIR_(A, -4, 0) HIL_MP_PAIR_(A, 2, 1)
#define HIL_MP_GROUP_7                                                                                         \
    HIL_MP_WORD_(A, 0, HIL_MP_K_(7)) HIL_MP_WORD_(B, 3, HIL_MP_K_(7) << 4) HIL_MP_M_(7)                         \
    HIL_MP_PAIR_(A, -2, 0) HIL_MP_PAIR_(A, 5, 1) HIL_MP_PAIR_(B, 2, 2) HIL_MP_PAIR_(B, 9, 3)

/* The SMLAD sum of row r over `groups` groups at width B. */
#define HIL_MP_DOT_NARROW_(B)                                                                                  \
    static inline int32_t hil_mp_dot##B(const uint8_t *r, const int32_t *x, int32_t groups)                    \
    {                                                                                                          \
        int32_t s = 0;                                                                                         \
        for (; groups > 0; groups--, r += hil_mp_widths[B].gb, x += hil_mp_widths[B].pairs) {                  \
            HIL_MP_GROUP_##B                                                                                   \
        }                                                                                                      \
        return s;                                                                                              \
    }
HIL_MP_DOT_NARROW_(2)
HIL_MP_DOT_NARROW_(3)
HIL_MP_DOT_NARROW_(4)
HIL_MP_DOT_NARROW_(5)
HIL_MP_DOT_NARROW_(6)
HIL_MP_DOT_NARROW_(7)

/* One matrix as the M4 kernel reads it. */
typedef struct {
    const uint8_t *w, *tail; /* the packed rows; rows from t0 on: the copy in tail */
    int32_t *x;              /* the input laid out for the width (scratch) */
    int32_t n, bits, rb, steps, t0, k, flip; /* row values, width, row bytes, 16-value steps; acc = (S >> k) - flip */
} hil_mp_mat_t;

/* Matrix k of p (mp_gru_dots_m4.c), its input layout at lay; the rows whose whole-word reads
 * would pass the matrix's end copied to *tail, zeros after them (*tail advanced, 4-aligned). */
hil_mp_mat_t hil_mp_matrix(const hil_mp_gru_t *p, int k, int32_t *lay, uint8_t **tail);

/* Every matrix's input laid out for its width (mp_gru_layout_m4.c); matrices sharing a layout
 * pointer (the same input at the same width) share it. x_off: minus x's zero point. */
void hil_mp_layouts(hil_mp_mat_t *m, const int8_t *x, const int8_t *h, int32_t x_off);

/* acc[j] = row j0 + j of matrix m . its laid-out input, j < count, exact (mp_gru_dots_m4.c).
 * acc has room for two more values past count. */
void hil_mp_dots(const hil_mp_mat_t *m, int32_t j0, int32_t count, int32_t *acc);

#endif
