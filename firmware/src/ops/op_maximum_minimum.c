/* MAXIMUM and MINIMUM, int8 or int16, with broadcasting: raw comparisons, as
 * TFLM (the compiler checks the three tensors share one quantisation).
 * Parameters: hil/compile/ops/binary.py (the broadcast walk). */
#include "elementwise_ops.h"
#include "hil/kernels_activation.h"

static hil_status_t prepare(const hil_model_t *m, const hil_op_t *op)
{
    const hil_broadcast_t *bc = hil_op_params(m, op, sizeof(hil_broadcast_t));
    const hil_tensor_t *in1 = hil_op_tensor(m, op, 0), *in2 = hil_op_tensor(m, op, 1), *out = hil_op_output(m, op, 0);
    if (bc == NULL || op->n_inputs != 2u || op->n_outputs != 1u || !hil_ew_is_q(out) ||
        !hil_ew_all_dtype(m, op, out->dtype) || !hil_ew_broadcast_ok(bc, in1, in2, out)) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

typedef void (*kernel_s8_t)(const int8_t *, const int8_t *, int8_t *, const hil_broadcast_t *);
typedef void (*kernel_s16_t)(const int16_t *, const int16_t *, int16_t *, const hil_broadcast_t *);

static hil_status_t run(const hil_model_t *m, const hil_op_t *op, kernel_s8_t s8, kernel_s16_t s16)
{
    const hil_broadcast_t *bc = hil_op_params(m, op, sizeof(hil_broadcast_t));
    const hil_tensor_t *in1 = hil_op_tensor(m, op, 0), *in2 = hil_op_tensor(m, op, 1), *out = hil_op_output(m, op, 0);
    if (out->dtype == HIL_DTYPE_INT8) {
        s8(hil_tensor_data(m, in1), hil_tensor_data(m, in2), hil_tensor_data(m, out), bc);
    } else {
        s16(hil_tensor_data(m, in1), hil_tensor_data(m, in2), hil_tensor_data(m, out), bc);
    }
    return HIL_OK;
}

static hil_status_t eval_maximum(const hil_model_t *m, const hil_op_t *op)
{
    return run(m, op, hil_maximum_s8, hil_maximum_s16);
}

static hil_status_t eval_minimum(const hil_model_t *m, const hil_op_t *op)
{
    return run(m, op, hil_minimum_s8, hil_minimum_s16);
}

HIL_OP_REGISTER(maximum, HIL_OP_MAXIMUM, prepare, eval_maximum);
HIL_OP_REGISTER(minimum, HIL_OP_MINIMUM, prepare, eval_minimum);
