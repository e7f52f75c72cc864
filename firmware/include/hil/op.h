/* The interface every operator file implements (src/ops/op_<name>.c), and the
 * accessors its prepare() uses. An op file registers itself with
 * HIL_OP_REGISTER; the runtime finds it by code, so adding an op is adding a
 * file.
 *
 * Prepare once, invoke cheaply. prepare() runs once at load: it checks
 * everything its eval relies on (tensor types and shapes, parameter record
 * size, index ranges) and returns HIL_ERR_BAD_MODEL if anything is off; then
 * it fills the op's state: the eval to run with the optimised and with the
 * reference kernels (chosen now, by dtype, shape and record), the tensors'
 * data pointers, element counts, kernel arguments. The state lives in RAM
 * after the activations: the loader reserves state_bytes (+ state_bytes_per_io
 * per input and output) for each op, 8-aligned, and the compiler counts the
 * same figures into the blob's arena size (hil/compile/state.py). An eval
 * reads only its state: no lookups, no checks, no branches on the model. */
#ifndef HIL_OP_H
#define HIL_OP_H

#include <stddef.h>
#include <stdint.h>

#include "hil/model.h"
#include "hil/status.h"

typedef struct hil_op_state hil_op_state_t;

/* An op's eval: runs its kernel on what prepare() resolved. */
typedef void (*hil_op_eval_t)(const hil_op_state_t *s);

/* The head of every op's state (an op's state struct starts with it). */
struct hil_op_state {
    hil_op_eval_t eval[2]; /* [0]: the optimised kernels, [1]: the reference ones (HIL_INVOKE_REFERENCE) */
};

typedef struct {
    uint8_t code; /* hil_opcode_t */
    uint16_t state_bytes;        /* the op's state struct */
    uint16_t state_bytes_per_io; /* and this much more per input and output (pointer lists) */
    /* s: state_bytes (+ per io) of zeroed RAM, 8-aligned, for the op to fill */
    hil_status_t (*prepare)(const hil_model_t *m, const hil_op_t *op, hil_op_state_t *s);
} hil_op_impl_t;

#define HIL_OP_REGISTER_IO(name, op_code, prepare_fn, state_type, per_io)                                   \
    __attribute__((used, section("hil_ops"), aligned(4))) const hil_op_impl_t hil_op_impl_##name = {        \
        .code = (op_code), .state_bytes = (uint16_t)sizeof(state_type), .state_bytes_per_io = (per_io),      \
        .prepare = (prepare_fn)}

#define HIL_OP_REGISTER(name, op_code, prepare_fn, state_type) HIL_OP_REGISTER_IO(name, op_code, prepare_fn, state_type, 0u)

/* Both evals of s: opt with the optimised kernels, ref with the reference ones. */
static inline void hil_op_set_eval(hil_op_state_t *s, hil_op_eval_t opt, hil_op_eval_t ref)
{
    s->eval[0] = opt;
    s->eval[1] = ref;
}

/* The registered implementation of code, or NULL. */
const hil_op_impl_t *hil_op_find(uint8_t code);

/* Tensor i of op: inputs first (0..n_inputs-1), then outputs. NULL when the
 * index is out of range or the slot is HIL_TENSOR_NONE. */
const hil_tensor_t *hil_op_tensor(const hil_model_t *m, const hil_op_t *op, unsigned i);

/* Output j of op (= hil_op_tensor(m, op, op->n_inputs + j)). */
const hil_tensor_t *hil_op_output(const hil_model_t *m, const hil_op_t *op, unsigned j);

/* The bytes of a tensor, in the arena or the blob. */
void *hil_tensor_data(const hil_model_t *m, const hil_tensor_t *t);

/* The op's parameter record; NULL unless it is exactly `bytes` long. */
const void *hil_op_params(const hil_model_t *m, const hil_op_t *op, size_t bytes);

/* Constant data at a blob offset, checked at prepare: NULL unless
 * [offset, offset + bytes) lies inside the blob's data section and is 4-aligned. */
const void *hil_model_const(const hil_model_t *m, uint32_t offset, size_t bytes);

/* Element count of a tensor (product of dims). */
int32_t hil_tensor_elements(const hil_tensor_t *t);

/* Prepare helper: 1 if n per-channel requantisations are legal for
 * hil_requantize (multiplier >= 0, shift in [-31, 30]). */
int hil_requant_valid(const int32_t *multiplier, const int32_t *shift, int32_t n);

/* Prepare helper: 1 if an int8 op's offsets and clamp lie in int8 range
 * (input_offset in [-127, 128], output_offset and act_min <= act_max in [-128, 127]). */
int hil_act_quant_valid_s8(int32_t input_offset, int32_t output_offset, int32_t act_min, int32_t act_max);

/* Prepare helper: 1 if an int8 dot product of `depth` terms plus any of the n
 * biases (NULL: none) cannot overflow an int32 accumulator. */
int hil_acc_fits_s8(int32_t depth, const int32_t *bias, int32_t n);

/* Prepare helper: 1 if t exists with dtype and ndim (ndim < 0: any). */
int hil_tensor_is(const hil_tensor_t *t, hil_dtype_t dtype, int ndim);

#endif
