/* Private to src/ops: checks and op state shared by the element-wise,
 * data-movement and reduction op files (hil/kernels_elementwise.h). All
 * arithmetic on numbers from the blob is done in 64 bits with early exits, so
 * a corrupt record is rejected without overflowing. */
#ifndef HIL_ELEMENTWISE_OPS_H
#define HIL_ELEMENTWISE_OPS_H

#include <stdint.h>
#include <string.h>

#include "hil/kernels_activation.h"
#include "hil/kernels_elementwise.h"
#include "hil/op.h"

/* Bytes per element of a dtype (0: not handled by these ops). */
static inline int32_t hil_ew_elem_bytes(uint8_t dtype)
{
    switch (dtype) {
    case HIL_DTYPE_INT8:
        return 1;
    case HIL_DTYPE_INT16:
        return 2;
    case HIL_DTYPE_FLOAT32:
    case HIL_DTYPE_INT32:
        return 4;
    default:
        return 0;
    }
}

/* The value range of an int8 / int16 tensor. */
static inline int32_t hil_ew_qmin(uint8_t dtype)
{
    return dtype == HIL_DTYPE_INT16 ? INT16_MIN : INT8_MIN;
}

static inline int32_t hil_ew_qmax(uint8_t dtype)
{
    return dtype == HIL_DTYPE_INT16 ? INT16_MAX : INT8_MAX;
}

static inline int hil_ew_is_q(const hil_tensor_t *t)
{
    return t != NULL && (t->dtype == HIL_DTYPE_INT8 || t->dtype == HIL_DTYPE_INT16);
}

static inline int hil_ew_in_range(int32_t v, int32_t lo, int32_t hi)
{
    return v >= lo && v <= hi;
}

/* An input offset (minus a zero point) of a tensor of dtype, without negating it. */
static inline int hil_ew_offset_ok(int32_t offset, uint8_t dtype)
{
    return offset >= -hil_ew_qmax(dtype) && offset <= -hil_ew_qmin(dtype);
}

/* A requantisation shift hil_requantize accepts. */
static inline int hil_ew_shift_ok(int32_t shift)
{
    return shift >= -31 && shift <= 31;
}

/* A multiplier/shift pair as QuantizeMultiplier makes it (multiplier >= 0). */
static inline int hil_ew_mult_ok(int32_t multiplier, int32_t shift)
{
    return multiplier >= 0 && hil_ew_shift_ok(shift);
}

/* Activation bounds inside the dtype's range and ordered. */
static inline int hil_ew_act_ok(int32_t lo, int32_t hi, uint8_t dtype)
{
    return lo <= hi && hil_ew_in_range(lo, hil_ew_qmin(dtype), hil_ew_qmax(dtype)) &&
           hil_ew_in_range(hi, hil_ew_qmin(dtype), hil_ew_qmax(dtype));
}

/* Largest element index sum_k (dims[k] - 1) * strides[k] < limit, dims > 0, strides >= 0. */
static inline int hil_ew_reach_ok(const int32_t *dims, const int32_t *strides, int64_t start, int64_t limit)
{
    int64_t reach = start;
    for (int k = 0; k < 4; k++) {
        if (dims[k] <= 0 || strides[k] < 0) {
            return 0;
        }
        reach += (int64_t)(dims[k] - 1) * strides[k];
        if (reach >= limit) {
            return 0;
        }
    }
    return 1;
}

/* Product of four dims equals n (all dims > 0). */
static inline int hil_ew_count_ok(const int32_t *dims, int64_t n)
{
    int64_t total = 1;
    for (int k = 0; k < 4; k++) {
        if (dims[k] <= 0) {
            return 0;
        }
        total *= dims[k];
        if (total > n) {
            return 0;
        }
    }
    return total == n;
}

/* A requantisation (RELU, QUANTIZE) between an input and an output dtype: zero points and clamp in range,
 * a multiplier and shift hil_requantize takes. */
static inline int hil_ew_requant_ok(const hil_requant_params_t *q, uint8_t in_dtype, uint8_t out_dtype)
{
    return hil_ew_in_range(q->input_zero_point, hil_ew_qmin(in_dtype), hil_ew_qmax(in_dtype)) &&
           hil_ew_in_range(q->output_offset, hil_ew_qmin(out_dtype), hil_ew_qmax(out_dtype)) &&
           hil_ew_mult_ok(q->multiplier, q->shift) && hil_ew_act_ok(q->act_min, q->act_max, out_dtype);
}

/* A broadcast walk that covers out and stays inside both inputs. */
static inline int hil_ew_broadcast_ok(const hil_broadcast_t *bc, const hil_tensor_t *in1, const hil_tensor_t *in2,
                                      const hil_tensor_t *out)
{
    return hil_ew_count_ok(bc->dims, hil_tensor_elements(out)) &&
           hil_ew_reach_ok(bc->dims, bc->in1_strides, 0, hil_tensor_elements(in1)) &&
           hil_ew_reach_ok(bc->dims, bc->in2_strides, 0, hil_tensor_elements(in2));
}

/* A reduction walk that covers n_out outputs and stays inside n_in inputs. */
static inline int hil_ew_reduce_walk_ok(const hil_reduce_walk_t *w, int64_t n_in, int64_t n_out)
{
    if (!hil_ew_count_ok(w->out_dims, n_out)) {
        return 0;
    }
    /* the furthest input element: the last output's base plus the last reduced offset */
    int64_t base = 0;
    for (int k = 0; k < 4; k++) {
        if (w->out_strides[k] < 0 || w->out_strides[k] > n_in) {
            return 0;
        }
        base += (int64_t)(w->out_dims[k] - 1) * w->out_strides[k];
        if (base >= n_in) {
            return 0;
        }
    }
    return hil_ew_reach_ok(w->red_dims, w->red_strides, base, n_in);
}

/* Inputs 0..n_in-1 and outputs 0..n_out-1 all present with the given dtype. */
static inline int hil_ew_all_dtype(const hil_model_t *m, const hil_op_t *op, uint8_t dtype)
{
    for (unsigned i = 0; i < (unsigned)op->n_inputs + op->n_outputs; i++) {
        const hil_tensor_t *t = hil_op_tensor(m, op, i);
        if (t == NULL || t->dtype != dtype) {
            return 0;
        }
    }
    return 1;
}

/* A variable-length record: two int32 header words (outer, n) then n uint32
 * byte counts, as CONCATENATION and SPLIT use. NULL unless it is exactly that
 * long, with 1 <= n <= max_n. */
typedef struct {
    int32_t outer;
    int32_t n;
    uint32_t copy_bytes[];
} hil_ew_copy_list_t;

static inline const hil_ew_copy_list_t *hil_ew_copy_list(const hil_model_t *m, const hil_op_t *op, int32_t max_n)
{
    if (op->params_bytes < 8u || (op->params_bytes - 8u) % 4u != 0u) {
        return NULL;
    }
    const hil_ew_copy_list_t *p = hil_op_params(m, op, op->params_bytes);
    if (p == NULL || p->n < 1 || p->n > max_n || op->params_bytes != 8u + 4u * (uint32_t)p->n || p->outer < 0) {
        return NULL;
    }
    return p;
}

/* The state of most one-input ops: data pointers, the element count (or what
 * the kernel takes in its place: the data-movement kernels' element size) and
 * the op's record (or its table) in the blob, for a kernel (in, out, n, params). */
typedef struct {
    hil_op_state_t head;
    const void *in;
    void *out;
    int32_t n;
    const void *params;
} hil_ew_unary_t;

/* The state of the binary ops: data pointers, the broadcast walk and the rest
 * of the op's record. */
typedef struct {
    hil_op_state_t head;
    const void *in1, *in2;
    void *out;
    const hil_broadcast_t *bc;
    const void *params;
} hil_ew_binary_t;

/* Fill a unary state from input 0 and output 0 (prepare has checked both). */
static inline void hil_ew_unary_init(hil_op_state_t *s, const hil_model_t *m, const hil_op_t *op, const void *params)
{
    hil_ew_unary_t *u = (hil_ew_unary_t *)(void *)s;
    const hil_tensor_t *in = hil_op_tensor(m, op, 0);
    u->in = hil_tensor_data(m, in);
    u->out = hil_tensor_data(m, hil_op_output(m, op, 0));
    u->n = hil_tensor_elements(in);
    u->params = params;
}

/* The evals by input 0's dtype: int8 (optimised, reference), else int16 (both). */
static inline void hil_ew_set_eval(hil_op_state_t *s, const hil_model_t *m, const hil_op_t *op, hil_op_eval_t s8,
                                   hil_op_eval_t s8_ref, hil_op_eval_t s16)
{
    if (hil_op_tensor(m, op, 0)->dtype == HIL_DTYPE_INT8) {
        hil_op_set_eval(s, s8, s8_ref);
    } else {
        hil_op_set_eval(s, s16, s16);
    }
}

/* A unary op's prepare once its checks gave `checked`: the state, and the evals by dtype. */
static inline hil_status_t hil_ew_unary_prepare(hil_status_t checked, const hil_model_t *m, const hil_op_t *op,
                                                hil_op_state_t *s, const void *params, hil_op_eval_t s8,
                                                hil_op_eval_t s8_ref, hil_op_eval_t s16)
{
    if (checked == HIL_OK) {
        hil_ew_unary_init(s, m, op, params);
        hil_ew_set_eval(s, m, op, s8, s8_ref, s16);
    }
    return checked;
}

/* A data-movement op's prepare (any element type; the kernel takes the element size for n). */
static inline hil_status_t hil_ew_move_prepare(hil_status_t checked, const hil_model_t *m, const hil_op_t *op,
                                               hil_op_state_t *s, const void *params, hil_op_eval_t eval)
{
    if (checked == HIL_OK) {
        hil_ew_unary_init(s, m, op, params);
        ((hil_ew_unary_t *)(void *)s)->n = hil_ew_elem_bytes(hil_op_tensor(m, op, 0)->dtype);
        hil_op_set_eval(s, eval, eval);
    }
    return checked;
}

/* A binary op's prepare once its checks gave `checked`: inputs 0, 1 and output 0, and the evals by dtype.
 * Every binary record starts with its broadcast walk; the rest of it (if any) follows. */
static inline hil_status_t hil_ew_binary_prepare(hil_status_t checked, const hil_model_t *m, const hil_op_t *op,
                                                 hil_op_state_t *s, const void *record, hil_op_eval_t s8,
                                                 hil_op_eval_t s16)
{
    if (checked == HIL_OK) {
        hil_ew_binary_t *b = (hil_ew_binary_t *)(void *)s;
        b->in1 = hil_tensor_data(m, hil_op_tensor(m, op, 0));
        b->in2 = hil_tensor_data(m, hil_op_tensor(m, op, 1));
        b->out = hil_tensor_data(m, hil_op_output(m, op, 0));
        b->bc = record;
        b->params = (const uint8_t *)record + sizeof(hil_broadcast_t);
        hil_ew_set_eval(s, m, op, s8, s8, s16);
    }
    return checked;
}

/* An eval that runs KERNEL(in, out, n, params) on a hil_ew_unary_t. */
#define HIL_EW_UNARY_EVAL(name, KERNEL)                                                                         \
    static void name(const hil_op_state_t *s)                                                                  \
    {                                                                                                          \
        const hil_ew_unary_t *u = (const hil_ew_unary_t *)(const void *)s;                                     \
        KERNEL(u->in, u->out, u->n, u->params);                                                                \
    }

/* An eval that looks every int8 element up in the 256-entry table (outputs
 * for inputs -128..127) that follows a record of RECORD_BYTES in the blob. */
#define HIL_EW_LUT_EVAL(name, RECORD_BYTES)                                                                     \
    static void name(const hil_op_state_t *s)                                                                  \
    {                                                                                                          \
        const hil_ew_unary_t *u = (const hil_ew_unary_t *)(const void *)s;                                     \
        hil_lut_s8(u->in, u->out, u->n, (const int8_t *)u->params + (RECORD_BYTES));                           \
    }

/* The record of a one-input op whose int8 record is followed by its 256-entry table, or NULL. */
static inline const void *hil_ew_record_with_table(const hil_model_t *m, const hil_op_t *op, size_t record_bytes)
{
    const hil_tensor_t *in = hil_op_tensor(m, op, 0);
    return hil_op_params(m, op, record_bytes + (in != NULL && in->dtype == HIL_DTYPE_INT8 ? 256u : 0u));
}

/* Prepare: 1 if `table` holds what the eval `ref` (the op's reference
 * kernel, on a hil_ew_unary_t) makes of the inputs -128..127 under `params`:
 * an optimised path that looks them up gives the reference's bytes whatever
 * the blob says. */
static inline int hil_ew_table_ok(const int8_t *table, hil_op_eval_t ref, const void *params)
{
    int8_t in[256], out[256];
    for (int32_t i = 0; i < 256; i++) {
        in[i] = (int8_t)(i - 128);
    }
    hil_ew_unary_t u = {.in = in, .out = out, .n = 256, .params = params};
    ref(&u.head);
    return memcmp(out, table, sizeof(out)) == 0;
}

/* An eval that runs KERNEL(in, out, params) on a hil_ew_unary_t (the reductions). */
#define HIL_EW_WALK_EVAL(name, KERNEL)                                                                          \
    static void name(const hil_op_state_t *s)                                                                  \
    {                                                                                                          \
        const hil_ew_unary_t *u = (const hil_ew_unary_t *)(const void *)s;                                     \
        KERNEL(u->in, u->out, u->params);                                                                      \
    }

/* An eval that runs KERNEL(in1, in2, out, bc, params) on a hil_ew_binary_t. */
#define HIL_EW_BINARY_EVAL(name, KERNEL)                                                                        \
    static void name(const hil_op_state_t *s)                                                                  \
    {                                                                                                          \
        const hil_ew_binary_t *b = (const hil_ew_binary_t *)(const void *)s;                                   \
        KERNEL(b->in1, b->in2, b->out, b->bc, b->params);                                                      \
    }

#endif
