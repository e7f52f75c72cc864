/* Multiply-accumulate kernels: int8 or int16 activations, int8 per-channel
 * weights, TFLite requantisation. Each has a reference version (plain C, the
 * definition of the result: TFLite Micro's reference_integer_ops, operation
 * for operation) and, where marked _m4, a Cortex-M4 version with SMLAD
 * dual-MAC inner loops (src/kernels/simd_m4.h; portable C off the M4), and
 * on the RISC-V ports their own beside them (hil/kernels_rv32.h); all give
 * identical bytes. 16x8 kernels (int16 activations, zero points 0, int64
 * bias, int64 accumulators) are reference only.
 *
 * Layouts are TFLite's: activations NHWC, fully-connected weights [out][in],
 * conv weights [out][kh][kw][in / groups], depthwise weights
 * [1][kh][kw][in * depth_multiplier].
 *
 * The kernels trust their arguments: ops check everything in prepare()
 * (shapes, ranges, multiplier >= 0, -31 <= shift <= 30; <= 7 for 16x8). */
#ifndef HIL_KERNELS_H
#define HIL_KERNELS_H

#include <stdint.h>

#include "hil/qmath.h"

/* Quantisation of an op's activations. */
typedef struct {
    int32_t input_offset;  /* minus the input zero point */
    int32_t output_offset; /* the output zero point */
    int32_t act_min;       /* clamp after requantisation (fused activation) */
    int32_t act_max;
} hil_act_quant_t;

/* Per-output-channel requantisation: multiplier[c] (Q31) and shift[c]. */
typedef struct {
    const int32_t *multiplier;
    const int32_t *shift;
} hil_channel_quant_t;

/* Geometry of a convolution (CONV_2D or DEPTHWISE_CONV_2D). Input position of
 * output (y, x) and tap (ky, kx): (y * stride_h - pad_h + ky * dil_h,
 * x * stride_w - pad_w + kx * dil_w); taps outside the input are skipped. */
typedef struct {
    int32_t batches;
    int32_t in_h, in_w, in_ch;
    int32_t out_h, out_w, out_ch;
    int32_t k_h, k_w;
    int32_t k_ch; /* conv: input channels per filter (in_ch / groups) */
    int32_t stride_h, stride_w;
    int32_t dil_h, dil_w;
    int32_t pad_h, pad_w;
    int32_t depth_multiplier; /* depthwise: out_ch = in_ch * depth_multiplier */
} hil_conv_geom_t;

/* FULLY_CONNECTED.
 * output[b][o] = requant(sum_i (input[b][i] + input_offset) * weights[o][i] + bias[o]).
 * input [batches][in_dim], weights [out_dim][in_dim], bias [out_dim] or NULL,
 * output [batches][out_dim]. */
void hil_fully_connected_s8(const int8_t *input, const int8_t *weights, const int32_t *bias, int8_t *output,
                            int32_t batches, int32_t in_dim, int32_t out_dim, const hil_act_quant_t *q,
                            const hil_channel_quant_t *cq);

/* The same result from folded_bias[o] = bias[o] + input_offset * sum_i weights[o][i]
 * (what the compiler stores): output[b][o] = requant(sum_i input[b][i] * weights[o][i] + folded_bias[o]).
 * rq: hil_requant_entry(multiplier[o], shift[o]) for every o (all shifts < 0), or NULL.
 * scratch: HIL_FC_M4_SCRATCH(in_dim, batches) bytes, 4-aligned (the input
 * rows in process, unpacked: two at a time when there are two). */
#define HIL_FC_M4_SCRATCH(in_dim, batches) (((batches) > 1 ? 4 : 2) * ((in_dim) & ~3))
void hil_fully_connected_s8_m4(const int8_t *input, const int8_t *weights, const int32_t *folded_bias, int8_t *output,
                               int32_t *scratch, int32_t batches, int32_t in_dim, int32_t out_dim,
                               const hil_act_quant_t *q, const hil_channel_quant_t *cq, const hil_requant_t *rq);

/* 16x8: output[b][o] = requant64(sum_i input[b][i] * weights[o][i] + bias[o]); offsets unused. */
void hil_fully_connected_s16(const int16_t *input, const int8_t *weights, const int64_t *bias, int16_t *output,
                             int32_t batches, int32_t in_dim, int32_t out_dim, const hil_act_quant_t *q,
                             const hil_channel_quant_t *cq);

/* CONV_2D (grouped when g->k_ch < g->in_ch). bias [out_ch] or NULL. */
void hil_conv_s8(const int8_t *input, const int8_t *weights, const int32_t *bias, int8_t *output,
                 const hil_conv_geom_t *g, const hil_act_quant_t *q, const hil_channel_quant_t *cq);

/* CONV_2D from folded_bias[o] = bias[o] + input_offset * sum(weights[o]). A
 * 1x1, stride-1, unpadded conv (hil_conv_pointwise) runs as a
 * fully-connected layer over the pixels; anything else copies each output
 * pixel's receptive field into scratch (padded taps filled with the input
 * zero point, so that they add nothing) and runs the same dot products,
 * two pixels at a time when there is one group.
 * rq as for hil_fully_connected_s8_m4; scratch: hil_conv_s8_m4_scratch(g)
 * bytes, 4-aligned. */
static inline int hil_conv_pointwise(const hil_conv_geom_t *g)
{
    return g->k_h == 1 && g->k_w == 1 && g->k_ch == g->in_ch && g->stride_h == 1 && g->stride_w == 1 &&
           g->pad_h == 0 && g->pad_w == 0 && g->out_h == g->in_h && g->out_w == g->in_w;
}

static inline int64_t hil_conv_s8_m4_scratch(const hil_conv_geom_t *g)
{
    const int64_t k = (int64_t)g->k_h * g->k_w * g->k_ch;
    if (hil_conv_pointwise(g)) {
        return HIL_FC_M4_SCRATCH(k, (int64_t)g->batches * g->in_h * g->in_w);
    }
    if (g->k_ch == g->in_ch) { /* output pixels in pairs: two fields */
        return HIL_FC_M4_SCRATCH(k, 2) + (2 * k + 3) / 4 * 4;
    }
    return HIL_FC_M4_SCRATCH(k, 1) + ((int64_t)g->k_h * g->k_w * g->in_ch + 3) / 4 * 4; /* one field per group */
}
void hil_conv_s8_m4(const int8_t *input, const int8_t *weights, const int32_t *folded_bias, int8_t *output,
                    int32_t *scratch, const hil_conv_geom_t *g, const hil_act_quant_t *q,
                    const hil_channel_quant_t *cq, const hil_requant_t *rq);

/* 16x8 CONV_2D. bias [out_ch] or NULL. */
void hil_conv_s16(const int16_t *input, const int8_t *weights, const int64_t *bias, int16_t *output,
                  const hil_conv_geom_t *g, const hil_act_quant_t *q, const hil_channel_quant_t *cq);

/* DEPTHWISE_CONV_2D: output channel c * depth_multiplier + m reads input channel c. */
void hil_depthwise_conv_s8(const int8_t *input, const int8_t *weights, const int32_t *bias, int8_t *output,
                           const hil_conv_geom_t *g, const hil_act_quant_t *q, const hil_channel_quant_t *cq);

/* DEPTHWISE_CONV_2D, four channels at a time with 16-bit MACs; rq as for
 * hil_fully_connected_s8_m4. A 3-wide kernel at stride 1 and depth
 * multiplier 1 goes a channel at a time instead, two outputs per step from
 * a padded int16 copy of four channels (scratch: hil_depthwise_conv_s8_m4_scratch(g)
 * bytes, 4-aligned; that is 0 for other shapes and when the copy would pass
 * HIL_DW_M4_SCRATCH_MAX, and with scratch NULL every shape takes the general path). */
#define HIL_DW_M4_SCRATCH_MAX 8192
#define HIL_DW_M4_MAX_KH 8
static inline int64_t hil_depthwise_conv_s8_m4_scratch(const hil_conv_geom_t *g)
{
    if (g->depth_multiplier != 1 || g->k_w != 3 || g->k_h > HIL_DW_M4_MAX_KH || g->stride_h != 1 ||
        g->stride_w != 1 || g->pad_h > (int64_t)(g->k_h - 1) * g->dil_h || g->pad_w > 2 * (int64_t)g->dil_w) {
        /* padding beyond the kernel's reach (a blob's geometry, not TFLite's SAME) takes the general path */
        return 0;
    }
    const int64_t rows = g->out_h + (int64_t)(g->k_h - 1) * g->dil_h, chain = (g->out_w + g->dil_w - 1) / g->dil_w;
    const int64_t planes = 4 * rows * g->dil_w * ((chain + 1) / 2 * 2 + 2) * 2;
    const int64_t bytes = planes + (int64_t)(g->out_w + g->dil_w) * g->out_ch; /* and a staged output row */
    return bytes <= HIL_DW_M4_SCRATCH_MAX ? bytes : 0;
}
void hil_depthwise_conv_s8_m4(const int8_t *input, const int8_t *weights, const int32_t *bias, int8_t *output,
                              int16_t *scratch, const hil_conv_geom_t *g, const hil_act_quant_t *q,
                              const hil_channel_quant_t *cq, const hil_requant_t *rq);

/* The 1-D path of DEPTHWISE_CONV_2D (height 1, 3 taps, stride 1, depth multiplier 1, full int8
 * range: the dilated causal convolutions of TCN speech models), from a table of per-channel
 * constants the compiler writes into the blob and the op checks at load:
 *   int32 n_runs; hil_dw1d_run_t runs[n_runs]; hil_dw1d_entry_t entries[in_ch]
 * the entries grouped into runs of one requantisation shift (e = -shift in 1..22, runs in
 * ascending e, channels ascending within a run), so that the shift is an instruction's
 * immediate. Each channel's outputs go in chains of one phase x = phase + i * dil_w, two at a
 * time, pairs(g) pairs a chain (more outputs than out_w land in scratch); out_w 1 (a streaming
 * step) goes a channel at a time. */
#define HIL_DW1D_MAX_E 22
#define HIL_DW1D_SCRATCH_MAX 16384
typedef struct {
    int32_t e, count;
} hil_dw1d_run_t;
typedef struct {
    int32_t w01, w12; /* (2 w0, 2 w1), (2 w1, 2 w2) as halfword pairs */
    int32_t bias2;    /* 2 * (bias + input_offset * (w0 + w1 + w2)) */
    int32_t m, off;   /* the multiplier; the channel */
} hil_dw1d_entry_t;

static inline int hil_dw1d_shape(const hil_conv_geom_t *g)
{
    return g->in_h == 1 && g->out_h == 1 && g->k_h == 1 && g->k_w == 3 && g->pad_h == 0 && g->stride_h == 1 &&
           g->stride_w == 1 && g->depth_multiplier == 1 && g->pad_w <= 2 * (int64_t)g->dil_w;
}

/* Pairs a chain: the longest chain's outputs rounded up to a multiple of 4 (the loop takes two pairs a turn). */
static inline int64_t hil_dw1d_pairs(const hil_conv_geom_t *g)
{
    return 2 * ((((int64_t)g->out_w + g->dil_w - 1) / g->dil_w + 3) / 4);
}

/* Whether the 1-D path reads the input in place (no padding to copy in, every row it reads inside the
 * image) and writes the output in place (no chain runs past out_w); a streaming step (out_w 1) reads
 * only rows 0, dil_w and 2 dil_w and writes only x = 0. */
static inline int hil_dw1d_direct_in(const hil_conv_geom_t *g)
{
    const int64_t rows = (2 * hil_dw1d_pairs(g) + 2) * g->dil_w;
    return g->pad_w == 0 && (g->out_w == 1 ? 2 * (int64_t)g->dil_w < g->in_w : rows <= g->in_w);
}

static inline int hil_dw1d_direct_out(const hil_conv_geom_t *g)
{
    return g->out_w == 1 || 2 * hil_dw1d_pairs(g) * g->dil_w == g->out_w;
}

/* Scratch: the zero-padded input (2 pairs(g) + 2 dilations of rows, 4-aligned) unless it is read in
 * place, then the outputs (2 pairs(g) dilations of rows) unless written in place; -1 when the shape is
 * not 1-D or the scratch would pass HIL_DW1D_SCRATCH_MAX. */
static inline int64_t hil_depthwise_conv_s8_m4_1d_scratch(const hil_conv_geom_t *g)
{
    if (!hil_dw1d_shape(g)) {
        return -1;
    }
    const int64_t q = hil_dw1d_pairs(g), in = ((2 * q + 2) * g->dil_w * g->in_ch + 3) / 4 * 4;
    const int64_t out = 2 * q * g->dil_w * g->in_ch;
    const int64_t bytes = (hil_dw1d_direct_in(g) ? 0 : in) + (hil_dw1d_direct_out(g) ? 0 : out);
    return bytes <= HIL_DW1D_SCRATCH_MAX ? bytes : -1;
}

/* The entry of channel c (weights [1][1][3][in_ch], bias or NULL, multiplier). */
static inline hil_dw1d_entry_t hil_dw1d_entry(const int8_t *weights, const int32_t *bias, const int32_t *multiplier,
                                              int32_t c, int32_t channels, int32_t input_offset)
{
    const int32_t w0 = weights[c], w1 = weights[channels + c], w2 = weights[2 * channels + c];
    const int32_t b = (bias ? bias[c] : 0) + input_offset * (w0 + w1 + w2);
    const hil_dw1d_entry_t e = {(int32_t)(((uint32_t)(2 * w0) & 0xFFFFu) | ((uint32_t)(2 * w1) << 16)),
                                (int32_t)(((uint32_t)(2 * w1) & 0xFFFFu) | ((uint32_t)(2 * w2) << 16)),
                                2 * b, multiplier[c], c};
    return e;
}

/* The 1-D path: scratch hil_depthwise_conv_s8_m4_1d_scratch(g) bytes, 4-aligned (NULL if 0); table as above. */
void hil_depthwise_conv_s8_m4_1d(const int8_t *input, int8_t *output, int8_t *scratch, const hil_conv_geom_t *g,
                                 const hil_act_quant_t *q, const int32_t *table);

/* 16x8 DEPTHWISE_CONV_2D. bias [out_ch] or NULL. */
void hil_depthwise_conv_s16(const int16_t *input, const int8_t *weights, const int64_t *bias, int16_t *output,
                            const hil_conv_geom_t *g, const hil_act_quant_t *q, const hil_channel_quant_t *cq);

#endif
