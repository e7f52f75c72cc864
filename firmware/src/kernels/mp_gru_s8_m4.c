/* The MP-GRU step, Cortex-M4 form. Rows at 2, 4 or 8 bits are read a word at a
 * time: shifting the word left by 8 - b*(t+1) and masking each byte's top b
 * bits leaves value t of every byte as a signed byte times 2^(8-b), which
 * SXTB16 widens into the int16 pairs (value t of bytes 0 and 2, of bytes 1
 * and 3) that SMLAD multiplies with the input laid out in the same order; the
 * sum is exactly 2^(8-b) times the dot product. Values past the last whole
 * word go one by one. */
#include <string.h>

#include "hil/kernels_mp_gru.h"
#include "mp_gru_impl.h"
#include "simd_m4.h"

static int32_t read32(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* Values per word at `bits`, or 0 when rows at that width go through unpack_row. */
static int32_t per_word(int32_t bits)
{
    return bits == 2 || bits == 4 || bits == 8 ? 32 / bits : 0;
}

/* v[0..n) + offset in the order the word loop of `bits` reads them; int16, zero-padded to an even count. */
static void layout(const int8_t *v, int32_t n, int32_t offset, int32_t bits, int16_t *dst)
{
    const int32_t vpw = per_word(bits), p = vpw / 4, words = vpw ? n / vpw : 0;
    int16_t *d = dst;
    for (int32_t k = 0; k < words; k++) {
        const int8_t *s = v + k * vpw;
        for (int32_t t = 0; t < p; t++) {
            d[0] = (int16_t)(s[t] + offset), d[1] = (int16_t)(s[2 * p + t] + offset);
            d[2] = (int16_t)(s[p + t] + offset), d[3] = (int16_t)(s[3 * p + t] + offset);
            d += 4;
        }
    }
    for (int32_t i = words * vpw; i < n; i++) {
        *d++ = (int16_t)(v[i] + offset);
    }
    if ((d - dst) & 1) {
        *d = 0;
    }
}

static int32_t pair(const int16_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

__attribute__((always_inline)) static inline int32_t dot_words(const uint8_t *row, const int16_t *xl, int32_t n,
                                                               const int bits)
{
    const int32_t p = 8 / bits, vpw = 4 * p, words = n / vpw;
    const uint32_t mask = bits == 8 ? 0xFFFFFFFFu : (bits == 4 ? 0xF0F0F0F0u : 0xC0C0C0C0u);
    int32_t acc = 0;
    for (int32_t k = 0; k < words; k++, row += 4) {
        const uint32_t w = (uint32_t)read32(row);
        for (int32_t t = 0; t < p; t++, xl += 4) {
            const int32_t wt = (int32_t)((w << (8 - bits * (t + 1))) & mask);
            acc = hil_smlad(pair(xl), hil_sxtb16(wt), acc);
            acc = hil_smlad(pair(xl + 2), hil_sxtb16_ror8(wt), acc);
        }
    }
    acc >>= 8 - bits; /* exact: every term is a multiple of 2^(8-bits) */
    for (int32_t i = words * vpw; i < n; i++) {
        acc += *xl++ * hil_mp_unpack1(row - words * 4, bits, i);
    }
    return acc;
}

/* Rows at 3, 5, 6 or 7 bits, four values at a time: they span at most 32
 * bits from a byte boundary or the middle of a byte, so one word holds them
 * and SBFX takes each out. The last words of a row are read byte by byte, so
 * that nothing past the row is touched. */
__attribute__((always_inline)) static inline int32_t dot_groups(const uint8_t *row, const int16_t *xl, int32_t n,
                                                                const int bits)
{
    const int32_t groups = n / 4, row_bytes = HIL_MP_ROW_BYTES(n, bits);
    int32_t acc = 0;
    for (int32_t g = 0; g < groups; g++, xl += 4) {
        const uint32_t bit = (uint32_t)g * 4u * (uint32_t)bits, byte = bit >> 3;
        uint32_t v = 0;
        if ((int32_t)byte + 4 <= row_bytes) {
            v = (uint32_t)read32(row + byte);
        } else {
            for (int32_t k = 0; k < row_bytes - (int32_t)byte; k++) {
                v |= (uint32_t)row[byte + (uint32_t)k] << (8 * k);
            }
        }
        v >>= bit & 7u;
        acc += xl[0] * ((int32_t)(v << (32 - bits)) >> (32 - bits));
        acc += xl[1] * ((int32_t)(v << (32 - 2 * bits)) >> (32 - bits));
        acc += xl[2] * ((int32_t)(v << (32 - 3 * bits)) >> (32 - bits));
        acc += xl[3] * ((int32_t)(v << (32 - 4 * bits)) >> (32 - bits));
    }
    for (int32_t i = groups * 4; i < n; i++) {
        acc += *xl++ * hil_mp_unpack1(row, bits, i);
    }
    return acc;
}

static int32_t dot(const uint8_t *row, const int16_t *xl, int32_t n, int32_t bits)
{
    switch (bits) {
    case 8:
        return dot_words(row, xl, n, 8);
    case 4:
        return dot_words(row, xl, n, 4);
    case 2:
        return dot_words(row, xl, n, 2);
    case 3:
        return dot_groups(row, xl, n, 3);
    case 5:
        return dot_groups(row, xl, n, 5);
    case 6:
        return dot_groups(row, xl, n, 6);
    default:
        return dot_groups(row, xl, n, 7);
    }
}

void hil_mp_gru_s8_m4(const hil_mp_gru_t *p, const int8_t *x, const int8_t *h, int8_t *h_out, int32_t batches,
                      int16_t *scratch)
{
    const int32_t I = p->in_dim, H = p->units;
    int16_t *xl[6];
    for (int m = 0; m < 6; m++) {
        xl[m] = scratch;
        scratch += HIL_MP_PAD16(m < 3 ? I : H);
    }
    for (int32_t b = 0; b < batches; b++, x += I, h += H, h_out += H) {
        for (int m = 0; m < 6; m++) {
            layout(m < 3 ? x : h, m < 3 ? I : H, m < 3 ? -p->x_zp : 0, p->bits[m], xl[m]);
        }
        for (int32_t j = 0; j < H; j++) {
            int32_t acc[6];
            for (int m = 0; m < 6; m++) {
                const int32_t n = m < 3 ? I : H, bits = p->bits[m];
                acc[m] = dot(p->w[m] + j * HIL_MP_ROW_BYTES(n, bits), xl[m], n, bits);
            }
            h_out[j] = hil_mp_gru_unit(p, j, acc, h[j]);
        }
    }
}
