/* What the multiply-accumulate ops (FULLY_CONNECTED, CONV_2D,
 * DEPTHWISE_CONV_2D) check at prepare() and share at eval(). Activations are
 * int8 (int32 bias) or int16 (16x8: int64 bias, zero points 0). */
#ifndef HIL_OPS_MAC_COMMON_H
#define HIL_OPS_MAC_COMMON_H

#include <stdint.h>

#include "hil/kernels.h"
#include "hil/op.h"

/* Stride, dilation and padding, as stored in the conv ops' parameter records. */
typedef struct {
    int32_t stride_h, stride_w;
    int32_t dil_h, dil_w;
    int32_t pad_h, pad_w;
} hil_conv_window_t;

/* Tensor k of op (inputs, then outputs) and a tensor's bytes, inline and
 * unchecked, for eval(): the accessors in op.h are calls, and a small layer
 * notices. Only once prepare() has checked k against the op's io list. */
static inline const hil_tensor_t *hil_mac_tensor(const hil_model_t *m, const hil_op_t *op, unsigned k)
{
    const uint16_t index = ((const uint16_t *)(const void *)(m->blob + op->io_offset))[k];
    return index == HIL_TENSOR_NONE ? NULL : &m->tensors[index];
}

static inline void *hil_mac_data(const hil_model_t *m, const hil_tensor_t *t)
{
    return t == NULL ? NULL : (t->location == HIL_LOC_ARENA ? (void *)(m->arena + t->offset)
                                                            : (void *)(m->blob + t->offset));
}

static inline hil_dtype_t hil_mac_bias_dtype(uint8_t activation_dtype)
{
    return activation_dtype == HIL_DTYPE_INT16 ? HIL_DTYPE_INT64 : HIL_DTYPE_INT32;
}

/* Input, output and (optional) bias types agree with one of the two schemes. */
static inline int hil_mac_types_ok(const hil_tensor_t *in, const hil_tensor_t *out, const hil_tensor_t *bias)
{
    if (in == NULL || out == NULL || in->dtype != out->dtype ||
        (in->dtype != HIL_DTYPE_INT8 && in->dtype != HIL_DTYPE_INT16)) {
        return 0;
    }
    /* int64 constants are 8-aligned in every blob the compiler writes; the
     * kernels read them as int64_t. */
    return bias == NULL || (hil_tensor_is(bias, hil_mac_bias_dtype(in->dtype), 1) &&
                            (bias->dtype != HIL_DTYPE_INT64 || (bias->offset & 7u) == 0u));
}

/* Offsets and clamp range fit the activation type; int16 has no offsets
 * (the 16x8 kernels ignore them, as TFLM's do). Bounding the offsets also
 * keeps requantised + output_offset from overflowing. */
static inline int hil_act_quant_ok(const hil_act_quant_t *q, uint8_t dtype)
{
    if (dtype == HIL_DTYPE_INT8) {
        return q->input_offset >= -127 && q->input_offset <= 128 && q->output_offset >= -128 &&
               q->output_offset <= 127 && q->act_min >= -128 && q->act_min <= q->act_max && q->act_max <= 127;
    }
    return q->input_offset == 0 && q->output_offset == 0 && q->act_min >= -32768 && q->act_min <= q->act_max &&
           q->act_max <= 32767;
}

/* n multipliers and shifts at blob offsets, in the ranges TFLite produces and
 * the requantisation is defined for: multiplier >= 0, shift in [-31, 30], or
 * [-31, 7] for 16x8's 64-bit form. */
static inline int hil_channel_quant_ok(const hil_model_t *m, uint32_t multiplier_offset, uint32_t shift_offset,
                                       int32_t n, uint8_t dtype)
{
    const int32_t *mul = hil_model_const(m, multiplier_offset, (size_t)n * sizeof(int32_t));
    const int32_t *shift = hil_model_const(m, shift_offset, (size_t)n * sizeof(int32_t));
    const int32_t max_shift = dtype == HIL_DTYPE_INT16 ? 7 : 30;
    if (n <= 0 || mul == NULL || shift == NULL) {
        return 0;
    }
    for (int32_t i = 0; i < n; i++) {
        if (mul[i] < 0 || shift[i] < -31 || shift[i] > max_shift) {
            return 0;
        }
    }
    return 1;
}

/* The optimised kernels' requantisation table (hil_requant_t, one per
 * channel), when offset is not 0: it must be exactly what
 * hil_requant_entry() makes of each multiplier and shift, all shifts < 0. */
static inline int hil_requant_table_ok(const hil_model_t *m, uint32_t offset, uint32_t multiplier_offset,
                                       uint32_t shift_offset, int32_t n)
{
    if (offset == 0u) {
        return 1;
    }
    const hil_requant_t *rq = hil_model_const(m, offset, (size_t)n * sizeof(hil_requant_t));
    if (rq == NULL) {
        return 0;
    }
    const int32_t *mul = (const int32_t *)(const void *)(m->blob + multiplier_offset);
    const int32_t *shift = (const int32_t *)(const void *)(m->blob + shift_offset);
    for (int32_t i = 0; i < n; i++) {
        if (shift[i] >= 0) {
            return 0;
        }
        const hil_requant_t want = hil_requant_entry(mul[i], shift[i]);
        if (rq[i].multiplier != want.multiplier || rq[i].e1 != want.e1 || rq[i].preset_lo != want.preset_lo ||
            rq[i].preset_hi != want.preset_hi) {
            return 0;
        }
    }
    return 1;
}

static inline const hil_requant_t *hil_requant_table(const hil_model_t *m, uint32_t offset)
{
    return offset ? (const hil_requant_t *)(const void *)(m->blob + offset) : NULL;
}

static inline hil_channel_quant_t hil_channel_quant(const hil_model_t *m, uint32_t multiplier_offset,
                                                    uint32_t shift_offset)
{
    hil_channel_quant_t cq = {
        .multiplier = (const int32_t *)(const void *)(m->blob + multiplier_offset),
        .shift = (const int32_t *)(const void *)(m->blob + shift_offset),
    };
    return cq;
}

/* What the multiply-accumulate ops' evals read: data pointers, the record's
 * quantisation, and the optimised kernels' folded bias and requantisation
 * table (int8). An op's state starts with it, its shape follows. */
typedef struct {
    hil_op_state_t head;
    const void *input, *bias;
    const int8_t *weights;
    const int32_t *folded; /* int8: bias + input_offset * sum(weights row); NULL otherwise */
    void *output;
    int32_t *scratch; /* NULL: none */
    const hil_act_quant_t *q;
    hil_channel_quant_t cq;
    const hil_requant_t *rq; /* NULL: none */
} hil_mac_state_t;

/* Where a MAC op's record keeps its per-channel numbers (blob offsets; 0: none). */
typedef struct {
    uint32_t multiplier, shift, folded_bias, requant;
} hil_mac_offsets_t;

/* Fill the shared part of a MAC op's state from its tensors (input, weights,
 * bias, output, scratch; bias and scratch may be NULL) once prepare has
 * checked them, and pick the evals: int16 (both), else int8 optimised and
 * reference. */
static inline void hil_mac_state_init(hil_mac_state_t *s, const hil_model_t *m, const hil_tensor_t *const t[5],
                                      const hil_act_quant_t *q, hil_mac_offsets_t at, const hil_op_eval_t evals[3])
{
    s->input = hil_mac_data(m, t[0]);
    s->weights = hil_mac_data(m, t[1]);
    s->bias = hil_mac_data(m, t[2]);
    s->output = hil_mac_data(m, t[3]);
    s->scratch = hil_mac_data(m, t[4]);
    s->q = q;
    s->cq = hil_channel_quant(m, at.multiplier, at.shift);
    s->folded = at.folded_bias ? (const int32_t *)(const void *)(m->blob + at.folded_bias) : NULL;
    s->rq = hil_requant_table(m, at.requant);
    if (t[0]->dtype == HIL_DTYPE_INT16) {
        hil_op_set_eval(&s->head, evals[2], evals[2]);
    } else {
        hil_op_set_eval(&s->head, evals[0], evals[1]);
    }
}

/* An arena tensor of at least `bytes` bytes that a kernel may write. */
static inline int hil_scratch_ok(const hil_tensor_t *t, uint32_t bytes)
{
    return t != NULL && t->location == HIL_LOC_ARENA && t->bytes >= bytes;
}

/* The geometry of a conv from its NHWC input, weights and output and its
 * window; 1 if it is one the kernels can run: positive sizes, in_ch a
 * multiple of k_ch (and out_ch of the groups), every input coordinate the
 * kernels form representable in int32. depthwise: weights [1][kh][kw][out_ch],
 * out_ch = in_ch * depth_multiplier. */
static inline int hil_conv_geom(hil_conv_geom_t *g, const hil_tensor_t *in, const hil_tensor_t *w,
                                const hil_tensor_t *out, const hil_conv_window_t *win, int32_t depth_multiplier)
{
    if (in == NULL || w == NULL || out == NULL || in->ndim != 4u || w->ndim != 4u || out->ndim != 4u) {
        return 0;
    }
    *g = (hil_conv_geom_t){
        .batches = in->dims[0], .in_h = in->dims[1], .in_w = in->dims[2], .in_ch = in->dims[3],
        .out_h = out->dims[1], .out_w = out->dims[2], .out_ch = out->dims[3],
        .k_h = w->dims[1], .k_w = w->dims[2], .k_ch = depth_multiplier > 0 ? 1 : w->dims[3],
        .stride_h = win->stride_h, .stride_w = win->stride_w, .dil_h = win->dil_h, .dil_w = win->dil_w,
        .pad_h = win->pad_h, .pad_w = win->pad_w, .depth_multiplier = depth_multiplier,
    };
    if (g->batches <= 0 || g->in_h <= 0 || g->in_w <= 0 || g->in_ch <= 0 || g->out_h <= 0 || g->out_w <= 0 ||
        g->out_ch <= 0 || g->k_h <= 0 || g->k_w <= 0 || g->k_ch <= 0 || out->dims[0] != g->batches ||
        g->stride_h <= 0 || g->stride_w <= 0 || g->dil_h <= 0 || g->dil_w <= 0 || g->pad_h < 0 || g->pad_w < 0) {
        return 0;
    }
    int64_t reach_h = (int64_t)(g->out_h - 1) * g->stride_h + (int64_t)(g->k_h - 1) * g->dil_h;
    int64_t reach_w = (int64_t)(g->out_w - 1) * g->stride_w + (int64_t)(g->k_w - 1) * g->dil_w;
    /* ... and so is the byte distance between dilated taps, which the
     * kernels step by even where a dilation reaches past the image. */
    if (reach_h > INT32_MAX || reach_w > INT32_MAX ||
        (int64_t)g->dil_h * g->in_w * g->in_ch > INT32_MAX || (int64_t)g->dil_w * g->in_ch > INT32_MAX) {
        return 0;
    }
    if (depth_multiplier > 0) {
        return w->dims[0] == 1 && w->dims[3] == g->out_ch && (int64_t)g->in_ch * depth_multiplier == g->out_ch;
    }
    return w->dims[0] == g->out_ch && g->in_ch % g->k_ch == 0 && g->out_ch % (g->in_ch / g->k_ch) == 0;
}

#endif
