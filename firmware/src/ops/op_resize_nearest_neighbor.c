/* RESIZE_NEAREST_NEIGHBOR on NHWC, any element type, every align_corners /
 * half_pixel_centers combination: the host resolves TFLM's float arithmetic
 * into a source row per output row and a source column per output column.
 * Parameters: hil/compile/ops/movement.py (the shape, then the two maps). */
#include "elementwise_ops.h"

/* Every map entry inside [0, limit). */
static int map_ok(const int32_t *map, int32_t n, int32_t limit)
{
    for (int32_t i = 0; i < n; i++) {
        if (map[i] < 0 || map[i] >= limit) {
            return 0;
        }
    }
    return 1;
}

/* dims of t are exactly (a, b, c, d). */
static int nhwc_is(const hil_tensor_t *t, int32_t a, int32_t b, int32_t c, int32_t d)
{
    return t->ndim == 4u && t->dims[0] == a && t->dims[1] == b && t->dims[2] == c && t->dims[3] == d;
}

static const hil_resize_params_t *params(const hil_model_t *m, const hil_op_t *op)
{
    const size_t head = sizeof(hil_resize_params_t);
    if (op->params_bytes < head || (op->params_bytes - head) % 4u != 0u) {
        return NULL;
    }
    const hil_resize_params_t *p = hil_op_params(m, op, op->params_bytes);
    if (p == NULL || p->out_height < 1 || p->out_width < 1 ||
        (uint64_t)op->params_bytes != head + 4u * ((uint64_t)p->out_height + (uint64_t)p->out_width)) {
        return NULL;
    }
    return p;
}

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const hil_resize_params_t *p = params(m, op);
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    if (p == NULL || op->n_inputs != 1u || op->n_outputs != 1u || in == NULL || out == NULL ||
        in->dtype != out->dtype || hil_ew_elem_bytes(in->dtype) == 0 ||
        !nhwc_is(in, p->batches, p->in_height, p->in_width, p->depth) ||
        !nhwc_is(out, p->batches, p->out_height, p->out_width, p->depth) ||
        !map_ok(p->maps, p->out_height, p->in_height) || !map_ok(p->maps + p->out_height, p->out_width, p->in_width)) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

HIL_EW_UNARY_EVAL(eval, hil_resize_nearest)

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    return hil_ew_move_prepare(check(m, op), m, op, s, params(m, op), eval);
}

HIL_OP_REGISTER(resize_nearest_neighbor, HIL_OP_RESIZE_NEAREST_NEIGHBOR, prepare, hil_ew_unary_t);
