/* AVERAGE_POOL_2D and MAX_POOL_2D, int8 or int16, NHWC: one record (the
 * window, TFLM's padding, the fused activation's clamp) and one set of
 * checks. int8 runs the core's optimised kernels (hil/kernels_opt.h) unless the
 * reference ones are asked for.
 * Parameters: hil/compile/ops/pool.py. */
#include "elementwise_ops.h"
#include "hil/kernels_opt.h"
#include "hil/kernels_pool.h"

typedef struct {
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t pad_h, pad_w;
    int32_t act_min, act_max;
} pool_params_t;

/* The most taps an average sums: the int32 sum and its rounding cannot overflow. */
#define MAX_TAPS_S8 (1 << 23)
#define MAX_TAPS_S16 65535

/* One axis of the window: k >= 1, stride >= 1, 0 <= pad < k and the last
 * window starting inside the input, so that every window holds a tap; every
 * coordinate the kernels form fits int32. */
static int axis_ok(int32_t in, int32_t out, int32_t k, int32_t stride, int32_t pad)
{
    if (in <= 0 || out <= 0 || k <= 0 || stride <= 0 || pad < 0 || pad >= k) {
        return 0;
    }
    const int64_t last = (int64_t)(out - 1) * stride;
    return last + k <= INT32_MAX && (int64_t)in + k <= INT32_MAX && last - pad < in;
}

static hil_status_t check(const hil_model_t *m, const hil_op_t *op, int64_t max_taps_s8, int64_t max_taps_s16)
{
    const pool_params_t *p = hil_op_params(m, op, sizeof(pool_params_t));
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    if (p == NULL || op->n_inputs != 1u || op->n_outputs != 1u || !hil_ew_is_q(in) ||
        !hil_ew_all_dtype(m, op, in->dtype) || in->ndim != 4u || out->ndim != 4u || in->dims[0] <= 0 ||
        out->dims[0] != in->dims[0] || in->dims[3] <= 0 || out->dims[3] != in->dims[3] ||
        !axis_ok(in->dims[1], out->dims[1], p->k_h, p->stride_h, p->pad_h) ||
        !axis_ok(in->dims[2], out->dims[2], p->k_w, p->stride_w, p->pad_w) ||
        !hil_ew_act_ok(p->act_min, p->act_max, in->dtype)) {
        return HIL_ERR_BAD_MODEL;
    }
    const int64_t taps = (int64_t)p->k_h * p->k_w;
    return taps <= (in->dtype == HIL_DTYPE_INT8 ? max_taps_s8 : max_taps_s16) ? HIL_OK : HIL_ERR_BAD_MODEL;
}

typedef struct {
    hil_op_state_t head;
    const void *in;
    void *out;
    hil_pool_t g;
} pool_state_t;

#define EVAL(name, KERNEL)                                                                                     \
    static void name(const hil_op_state_t *s)                                                                  \
    {                                                                                                          \
        const pool_state_t *ps = (const pool_state_t *)(const void *)s;                                        \
        KERNEL(ps->in, ps->out, &ps->g);                                                                       \
    }
EVAL(eval_average_s8, hil_average_pool_s8)
EVAL(eval_average_s8_opt, hil_average_pool_s8_opt)
EVAL(eval_average_s16, hil_average_pool_s16)
EVAL(eval_max_s8, hil_max_pool_s8)
EVAL(eval_max_s8_opt, hil_max_pool_s8_opt)
EVAL(eval_max_s16, hil_max_pool_s16)

/* evals: int8 optimised, int8 reference, int16 */
static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s, int64_t max_taps_s8,
                            int64_t max_taps_s16, const hil_op_eval_t evals[3])
{
    hil_status_t st = check(m, op, max_taps_s8, max_taps_s16);
    if (st != HIL_OK) {
        return st;
    }
    const pool_params_t *p = hil_op_params(m, op, sizeof(pool_params_t));
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    pool_state_t *ps = (pool_state_t *)(void *)s;
    ps->in = hil_tensor_data(m, in);
    ps->out = hil_tensor_data(m, out);
    ps->g = (hil_pool_t){
        .batches = in->dims[0], .in_h = in->dims[1], .in_w = in->dims[2], .channels = in->dims[3],
        .out_h = out->dims[1], .out_w = out->dims[2], .k_h = p->k_h, .k_w = p->k_w,
        .stride_h = p->stride_h, .stride_w = p->stride_w, .pad_h = p->pad_h, .pad_w = p->pad_w,
        .act_min = p->act_min, .act_max = p->act_max,
    };
    if (in->dtype == HIL_DTYPE_INT16) {
        hil_op_set_eval(s, evals[2], evals[2]);
    } else {
        hil_op_set_eval(s, evals[0], evals[1]);
    }
    return HIL_OK;
}

static hil_status_t prepare_average(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    static const hil_op_eval_t evals[3] = {eval_average_s8_opt, eval_average_s8, eval_average_s16};
    return prepare(m, op, s, MAX_TAPS_S8, MAX_TAPS_S16, evals);
}

static hil_status_t prepare_max(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    static const hil_op_eval_t evals[3] = {eval_max_s8_opt, eval_max_s8, eval_max_s16};
    return prepare(m, op, s, INT64_MAX, INT64_MAX, evals);
}

HIL_OP_REGISTER(average_pool_2d, HIL_OP_AVERAGE_POOL_2D, prepare_average, pool_state_t);
HIL_OP_REGISTER(max_pool_2d, HIL_OP_MAX_POOL_2D, prepare_max, pool_state_t);
