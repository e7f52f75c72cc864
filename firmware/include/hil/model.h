/* The compiled model blob (.hilm), written by hil/compile/blob.py.
 *
 * Everything the runtime needs is decided on the host: tensor shapes and
 * quantisation, per-channel multipliers and shifts, folded biases, the arena
 * offset of every activation. The board validates the blob once at load (magic,
 * version, CRC, every offset and size inside its bounds, every op's own
 * checks, each op's prepare into its state after the activations) and then
 * runs it with no allocation and no further checks.
 *
 * Layout (little-endian; every section starts on an 8-byte boundary):
 *   header           hil_model_header_t (64 bytes)
 *   tensors          n_tensors x hil_tensor_t
 *   ops              n_ops x hil_op_t
 *   inputs, outputs  u16 tensor indices
 *   data             constant tensors, op parameter records, op io lists
 *
 * Early exits (1.1, hil/compile/exits.py): a model may stop after any of up to
 * HIL_MODEL_MAX_EXITS exits. Op record `exits` has bit k set when exit k needs
 * the op; the output tensor holding exit k's mask has `exit` = k + 1. The ops
 * are ordered by the first exit that needs them, so exits 0..k run as a
 * subsequence of the planned order. A blob without exits has zeros there. */
#ifndef HIL_MODEL_H
#define HIL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "hil/status.h"

#define HIL_MODEL_MAGIC 0x4D4C4948u /* "HILM" */
#define HIL_MODEL_VERSION_MAJOR 1u
#define HIL_MODEL_VERSION_MINOR 1u
#define HIL_MODEL_MAX_DIMS 4u
#define HIL_MODEL_MAX_OPS 256u
#define HIL_MODEL_MAX_IO 8u      /* model inputs or outputs */
#define HIL_MODEL_MAX_EXITS 8u   /* early exits (bits of hil_op_t.exits) */
#define HIL_TENSOR_NONE 0xFFFFu /* an absent optional op input (e.g. no bias) */
#define HIL_CRC_START 16u       /* the CRC covers bytes [16, total_bytes) */

typedef enum {
    HIL_DTYPE_FLOAT32 = 0,
    HIL_DTYPE_INT8 = 1,
    HIL_DTYPE_INT16 = 2,
    HIL_DTYPE_INT32 = 3,
    HIL_DTYPE_UINT8 = 4,
    HIL_DTYPE_INT64 = 5
} hil_dtype_t;

typedef enum {
    HIL_LOC_ARENA = 0, /* offset into the activation arena */
    HIL_LOC_BLOB = 1   /* offset into the blob: a constant */
} hil_location_t;

/* Operator codes: stable numbers, independent of TFLite's. */
typedef enum {
    HIL_OP_FULLY_CONNECTED = 1,
    HIL_OP_CONV_2D = 2,
    HIL_OP_DEPTHWISE_CONV_2D = 3,
    HIL_OP_ADD = 4,
    HIL_OP_SUB = 5,
    HIL_OP_MUL = 6,
    HIL_OP_LOGISTIC = 7,
    HIL_OP_TANH = 8,
    HIL_OP_RELU = 9,
    HIL_OP_RELU6 = 10,
    HIL_OP_RESHAPE = 11,
    HIL_OP_CONCATENATION = 12,
    HIL_OP_SPLIT = 13,
    HIL_OP_STRIDED_SLICE = 14,
    HIL_OP_MEAN = 15,
    HIL_OP_QUANTIZE = 16,
    HIL_OP_DEQUANTIZE = 17,
    HIL_OP_SOFTMAX = 18,
    HIL_OP_MP_GRU = 19, /* the custom mixed-precision GRU (hil/mpgru) */
    HIL_OP_PAD = 20,    /* PAD and PADV2 */
    HIL_OP_AVERAGE_POOL_2D = 21,
    HIL_OP_MAX_POOL_2D = 22,
    HIL_OP_PRELU = 30,
    HIL_OP_LEAKY_RELU = 31,
    HIL_OP_HARD_SWISH = 32,
    HIL_OP_MAXIMUM = 33,
    HIL_OP_MINIMUM = 34,
    HIL_OP_TRANSPOSE = 35,
    HIL_OP_PACK = 36,
    HIL_OP_UNPACK = 37,
    HIL_OP_RESIZE_NEAREST_NEIGHBOR = 38,
    HIL_OP_REDUCE_MAX = 39,
    HIL_OP_GRU_STEP_S8 = 40, /* a GRU cell's ops fused by the compiler (hil/compile/fuse.py) */
    HIL_OP_GATED_CONV = 41,  /* the custom DynCP gated residual block (hil/gconv) */
    HIL_OP_CODE_COUNT = 64
} hil_opcode_t;

typedef struct {
    uint32_t magic;
    uint16_t version_major;
    uint16_t version_minor;
    uint32_t total_bytes;
    uint32_t crc32;
    uint32_t arena_bytes; /* RAM after the blob: activations, then the ops' state (hil/op.h) as a 32-bit board lays it out */
    uint32_t n_tensors;
    uint32_t tensors_offset;
    uint32_t n_ops;
    uint32_t ops_offset;
    uint32_t n_inputs;
    uint32_t inputs_offset;
    uint32_t n_outputs;
    uint32_t outputs_offset;
    uint32_t data_offset;
    uint32_t data_bytes;
    uint32_t reserved;
} hil_model_header_t;

typedef struct {
    uint8_t dtype;    /* hil_dtype_t */
    uint8_t ndim;     /* 0..HIL_MODEL_MAX_DIMS */
    uint8_t location; /* hil_location_t */
    uint8_t exit;     /* k + 1 when this model output is exit k's mask, else 0 */
    int32_t dims[HIL_MODEL_MAX_DIMS];
    uint32_t offset;  /* into the arena or the blob, by location */
    uint32_t bytes;   /* product of dims x element size */
    float scale;      /* per-tensor quantisation (0 when not quantised) */
    int32_t zero_point;
    uint32_t reserved2;
} hil_tensor_t;

typedef struct {
    uint8_t code;     /* hil_opcode_t */
    uint8_t n_inputs; /* including a trailing scratch tensor, when the op has one */
    uint8_t n_outputs;
    uint8_t exits;          /* bit k: exit k needs this op (0 in a model without exits) */
    uint32_t io_offset;     /* blob offset: n_inputs + n_outputs u16 tensor indices */
    uint32_t params_offset; /* blob offset of the op's parameter record */
    uint32_t params_bytes;
} hil_op_t;

/* A loaded model. */
typedef struct {
    const uint8_t *blob;
    const hil_model_header_t *header;
    const hil_tensor_t *tensors;
    const hil_op_t *ops;
    uint8_t *arena;
} hil_model_t;

#endif
