/* The op layer's accessors (hil/op.h): the registry of op files, and what
 * they use to reach their tensors and parameters. */
#include "hil/op.h"

extern const hil_op_impl_t __start_hil_ops[];
extern const hil_op_impl_t __stop_hil_ops[];

const hil_op_impl_t *hil_op_find(uint8_t code)
{
    for (const hil_op_impl_t *impl = __start_hil_ops; impl < __stop_hil_ops; impl++) {
        if (impl->code == code) {
            return impl;
        }
    }
    return NULL;
}

static const uint16_t *op_io(const hil_model_t *m, const hil_op_t *op)
{
    return (const uint16_t *)(const void *)(m->blob + op->io_offset);
}

const hil_tensor_t *hil_op_tensor(const hil_model_t *m, const hil_op_t *op, unsigned i)
{
    if (i >= (unsigned)op->n_inputs + op->n_outputs) {
        return NULL;
    }
    uint16_t index = op_io(m, op)[i];
    return index == HIL_TENSOR_NONE ? NULL : &m->tensors[index];
}

const hil_tensor_t *hil_op_output(const hil_model_t *m, const hil_op_t *op, unsigned j)
{
    return j < op->n_outputs ? hil_op_tensor(m, op, op->n_inputs + j) : NULL;
}

void *hil_tensor_data(const hil_model_t *m, const hil_tensor_t *t)
{
    return t->location == HIL_LOC_ARENA ? (void *)(m->arena + t->offset) : (void *)(m->blob + t->offset);
}

const void *hil_op_params(const hil_model_t *m, const hil_op_t *op, size_t bytes)
{
    return op->params_bytes == bytes ? (const void *)(m->blob + op->params_offset) : NULL;
}

const void *hil_model_const(const hil_model_t *m, uint32_t offset, size_t bytes)
{
    const hil_model_header_t *h = m->header;
    if ((offset & 3u) != 0u || offset < h->data_offset || bytes > h->data_bytes ||
        offset - h->data_offset > h->data_bytes - bytes) {
        return NULL;
    }
    return m->blob + offset;
}

int32_t hil_tensor_elements(const hil_tensor_t *t)
{
    int32_t n = 1;
    for (unsigned i = 0; i < t->ndim; i++) {
        n *= t->dims[i];
    }
    return n;
}

int hil_tensor_is(const hil_tensor_t *t, hil_dtype_t dtype, int ndim)
{
    return t != NULL && t->dtype == (uint8_t)dtype && (ndim < 0 || t->ndim == (uint8_t)ndim);
}

int hil_requant_valid(const int32_t *multiplier, const int32_t *shift, int32_t n)
{
    for (int32_t i = 0; i < n; i++) {
        if (multiplier[i] < 0 || shift[i] < -31 || shift[i] > 30) {
            return 0;
        }
    }
    return 1;
}

int hil_act_quant_valid_s8(int32_t input_offset, int32_t output_offset, int32_t act_min, int32_t act_max)
{
    return input_offset >= -127 && input_offset <= 128 && output_offset >= -128 && output_offset <= 127 &&
           act_min >= -128 && act_max <= 127 && act_min <= act_max;
}

int hil_acc_fits_s8(int32_t depth, const int32_t *bias, int32_t n)
{
    /* |x + input_offset| <= 255 and |w| <= 128 for int8 */
    int64_t worst = (int64_t)depth * 255 * 128;
    int64_t max_bias = 0;
    for (int32_t i = 0; bias != NULL && i < n; i++) {
        int64_t b = bias[i] < 0 ? -(int64_t)bias[i] : bias[i];
        max_bias = b > max_bias ? b : max_bias;
    }
    return worst + max_bias <= INT32_MAX;
}
