#include "elementwise_impl.h"
#include "elementwise_m4.h"

typedef void (*row_t)(const int8_t *p1, const int8_t *p2, int8_t *o, int32_t n, int32_t s1, int32_t s2,
                      const hil_mul_m4_t *f);

/* A row whose inputs both step by one; SHIFTED: the record's shift is < 0
 * (e >= 1, the rounding's sign term); FULL: no clamp beyond int8. */
#define ROW(name, SHIFTED, FULL)                                                                               \
    static void name(const int8_t *p1, const int8_t *p2, int8_t *o, int32_t n, int32_t s1, int32_t s2,         \
                     const hil_mul_m4_t *f)                                                                    \
    {                                                                                                          \
        const int8_t *const end = p1 + n;                                                                      \
        const int32_t off1 = f->p->input1_offset, off2 = f->p->input2_offset, m = f->p->output_multiplier;     \
        const int32_t shl = (SHIFTED) ? 1 : f->shl, r = f->round, e = f->exponent;                             \
        const int32_t lo = f->p->act_min, hi = f->p->act_max;                                                  \
        (void)s1;                                                                                              \
        (void)s2;                                                                                              \
        while (p1 != end) {                                                                                    \
            const int32_t t = (int32_t)((uint32_t)((*p1++ + off1) * (*p2++ + off2)) << shl);                   \
            const int32_t y = hil_m4_requant(t, m, r, (SHIFTED) ? -1 : 0, (SHIFTED) ? e : 0);                  \
            *o++ = (FULL) ? (int8_t)hil_ssat8(y) : hil_m4_clamp(y, lo, hi);                                    \
        }                                                                                                      \
    }

ROW(row, 0, 0)
ROW(row_full, 0, 1)
ROW(row_shifted, 1, 0)
ROW(row_shifted_full, 1, 1)

/* Rows that do not step through both inputs one by one: the record's arithmetic. */
static void row_strided(const int8_t *p1, const int8_t *p2, int8_t *o, int32_t n, int32_t s1, int32_t s2,
                        const hil_mul_m4_t *f)
{
    for (int32_t k = 0; k < n; k++, p1 += s1, p2 += s2) {
        o[k] = (int8_t)hil_mul_elem(*p1, *p2, f->p);
    }
}

void hil_mul_s8_m4(const int8_t *in1, const int8_t *in2, int8_t *out, const hil_broadcast_t *bc,
                   const hil_mul_m4_t *f)
{
    static const row_t rows[2][2] = {{row, row_full}, {row_shifted, row_shifted_full}};
    const row_t r = hil_m4_rows_step_by_one(bc) ? rows[f->exponent > 0][f->full] : row_strided;
    HIL_M4_BROADCAST_ROWS(bc, in1, in2, out, r, f);
}
