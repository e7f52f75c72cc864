/* STRIDED_SLICE and TRANSPOSE (TILE compiles to STRIDED_SLICE), any element
 * type, up to 4-D after the host merges axes: one affine gather. The host
 * resolves begin/end/strides and their masks (hil/compile/ops/shape.py), a
 * permutation or tile multiples (movement.py) into a first element, a count
 * and an input step per axis. */
#include "elementwise_ops.h"

static hil_status_t check(const hil_model_t *m, const hil_op_t *op)
{
    const hil_slice_params_t *p = hil_op_params(m, op, sizeof(hil_slice_params_t));
    const hil_tensor_t *in = hil_op_tensor(m, op, 0), *out = hil_op_output(m, op, 0);
    if (p == NULL || op->n_inputs != 1u || op->n_outputs != 1u || in == NULL || out == NULL ||
        in->dtype != out->dtype || hil_ew_elem_bytes(in->dtype) == 0) {
        return HIL_ERR_BAD_MODEL;
    }
    const int64_t n_in = hil_tensor_elements(in), n_out = hil_tensor_elements(out);
    int64_t total = 1, lo = p->base, hi = p->base;
    for (int k = 0; k < 4; k++) {
        if (p->count[k] < 0 || p->count[k] > n_out || p->step[k] < -n_in || p->step[k] > n_in) {
            return HIL_ERR_BAD_MODEL;
        }
        total *= p->count[k]; /* each factor <= n_out < 2^31 and the running product is checked */
        if (total > n_out) {
            return HIL_ERR_BAD_MODEL;
        }
        const int64_t span = p->count[k] > 0 ? (int64_t)(p->count[k] - 1) * p->step[k] : 0;
        lo += span < 0 ? span : 0;
        hi += span > 0 ? span : 0;
        if (lo < -n_in || hi > 2 * n_in) { /* keeps the sums small; the real bounds follow */
            return HIL_ERR_BAD_MODEL;
        }
    }
    if (total != n_out || (total > 0 && (lo < 0 || hi >= n_in))) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

HIL_EW_UNARY_EVAL(eval, hil_strided_slice)

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s)
{
    return hil_ew_move_prepare(check(m, op), m, op, s, hil_op_params(m, op, sizeof(hil_slice_params_t)), eval);
}

HIL_OP_REGISTER(strided_slice, HIL_OP_STRIDED_SLICE, prepare, hil_ew_unary_t);
HIL_OP_REGISTER(transpose, HIL_OP_TRANSPOSE, prepare, hil_ew_unary_t);
