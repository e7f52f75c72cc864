/* hil_depthwise_conv_s8_m4_1d (kernels.h): DEPTHWISE_CONV_2D over a 1-D signal, 3 taps, with the
 * per-channel constants the compiler folded (bias + input_offset * sum(w), doubled weights in
 * pairs, channels grouped by shift). Each channel's outputs x and x + dil share a pair of
 * sample words, A = (v0, v1) and B = (v2, v3):
 *   out(x)     = SMLAD(A, (w0, w1)) + v2 * w2 (SMLABT with (w1, w2)),
 *   out(x + d) = v1 * w0 (SMLATB)   + SMLAD(B, (w1, w2)),
 * and B is the next pair's A, so a pair of outputs costs two byte loads and a pack. The sums
 * are 2 acc, so that one SMMLAR does TFLite's two roundings (as in depthwise_conv_s8_m4_k3.c):
 * floor((2 acc m + 2^31) / 2^32 + c) >> e, c = 2^(e-1) - [acc < 0] + output_offset 2^e, exact
 * while |bias| < 2^29 and e <= 22, which the op checks at load. The padding is copied in as the
 * input zero point (its taps then add nothing), so the chains need no edge cases; outputs past
 * a chain's end go to scratch; a single output (a streaming step) is computed alone. On the M4
 * the chains are asm with the shift as an immediate (depthwise_conv_s8_m4_1d_asm.c): about 8.5
 * instructions an output, 14 for a streaming step's. */
#include "depthwise_1d.h"
#include "simd_m4.h"

static int8_t requant(int32_t a, const hil_dw1d_entry_t *en, int32_t c, int32_t e)
{
    return (int8_t)HIL_SSAT(hil_smmlar(a, en->m, c + (a >> 31)) >> e, 8);
}

static int32_t pair(const int8_t *p, int32_t dc) { return hil_pkhbt(p[0], p[dc]); }

/* The run in C, turn for turn what the asm does (but addressing the outputs from j->out). */
static void run_c(const hil_dw1d_job_t *j, int32_t e)
{
    const int32_t turns = j->span / (2 * j->dc) - 1;
    for (const hil_dw1d_entry_t *en = j->ent; en != j->end && j->single; en++) {
        const int8_t *p = j->src + en->off;
        j->out[en->off] = requant(hil_smlabt(p[2 * j->dc], en->w12, hil_smlad(pair(p, j->dc), en->w01, en->bias2)),
                                  en, j->c, e);
    }
    for (int32_t ph = 0; ph < j->chains && !j->single; ph++) {
        for (const hil_dw1d_entry_t *en = j->ent; en != j->end; en++) {
            const int8_t *p = j->src + en->off + ph * j->pitch;
            int8_t *y = j->out + en->off + ph * j->pitch;
            int32_t a = pair(p, j->dc);
            for (int32_t i = 0; i < turns; i++, y += 2 * j->dc) {
                p += 2 * j->dc;
                const int32_t b = pair(p, j->dc);
                const int32_t a0 = hil_smlabt(b, en->w12, hil_smlad(a, en->w01, en->bias2));
                const int32_t a1 = hil_smlad(b, en->w12, hil_smlatb(a, en->w01, en->bias2));
                y[0] = requant(a0, en, j->c, e);
                y[j->dc] = requant(a1, en, j->c, e);
                a = b;
            }
        }
    }
}

/* Rows [from, to) of pitch bytes at dst set to the input zero point. */
static void fill(int8_t *dst, int32_t from, int32_t to, int32_t pitch, int32_t input_offset)
{
    if (to > from) {
        hil_dw1d_fill(dst + from * pitch, (int8_t)-input_offset, (to - from) * pitch);
    }
}

void hil_depthwise_conv_s8_m4_1d(const int8_t *input, int8_t *output, int8_t *scratch, const hil_conv_geom_t *g,
                                 const hil_act_quant_t *q, const int32_t *table)
{
    const int32_t C = g->in_ch, d = g->dil_w, pairs = (int32_t)hil_dw1d_pairs(g), rows = (2 * pairs + 2) * d;
    const int32_t image = g->in_w * C, copied = g->in_w < rows - g->pad_w ? g->in_w : rows - g->pad_w;
    const int single = g->out_w == 1, direct_in = hil_dw1d_direct_in(g), direct_out = hil_dw1d_direct_out(g);
    int8_t *const stage = scratch + (direct_in ? 0 : ((int64_t)rows * C + 3) / 4 * 4);
    const hil_dw1d_run_t *runs = (const hil_dw1d_run_t *)(const void *)(table + 1);
    const hil_dw1d_entry_t *const entries = (const hil_dw1d_entry_t *)(const void *)(runs + table[0]);
    if (!direct_in) {
        fill(scratch, 0, g->pad_w, C, q->input_offset);
        fill(scratch, g->pad_w + copied, rows, C, q->input_offset);
    }
    hil_dw1d_job_t j = {.dc = d * C, .span = (pairs + 1) * 2 * d * C, .pitch = C, .chains = d, .single = single};
    for (int32_t b = 0; b < g->batches; b++) {
        int8_t *out = direct_out ? output + (int64_t)b * g->out_w * C : stage;
        j.src = direct_in ? input + (int64_t)b * image : scratch;
        if (!direct_in) {
            hil_dw1d_copy(scratch + g->pad_w * C, input + (int64_t)b * image, copied * C);
        }
        j.out = out, j.k0 = (int32_t)((uintptr_t)out - (uintptr_t)j.src) - 2 * j.dc; /* 32-bit on the board */
        j.end = entries;
        for (int32_t r = 0; r < table[0]; r++) {
            const int32_t e = runs[r].e;
            j.ent = j.end, j.end = j.ent + runs[r].count;
            j.c = (1 << (e - 1)) + (int32_t)((uint32_t)q->output_offset << e);
            if (hil_dw1d_runs_m4[e]) {
                hil_dw1d_runs_m4[e](&j);
            } else {
                run_c(&j, e);
            }
        }
        if (!direct_out) {
            hil_dw1d_copy(output + (int64_t)b * g->out_w * C, stage, g->out_w * C);
        }
    }
}
