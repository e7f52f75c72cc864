/* Element-wise, activation, data-movement and reduction kernels, bit-exact with
 * TensorFlow Lite Micro's reference kernels (int8, and int16 where TFLM has a
 * 16x8 path). Each public function lives in its own file in src/kernels/; the
 * parameter records are filled on the host (hil/compile/ops/, one module per op family) with the
 * numbers TFLM computes in Prepare, and checked once by the op's prepare().
 *
 * Shapes are at most 4-D. Binary ops take a broadcast descriptor: the output
 * is walked as dims[0] x dims[1] x dims[2] x dims[3] (row-major) and element
 * (i0, i1, i2, i3) of input k sits at sum_j i_j * strides_k[j] (stride 0 on a
 * broadcast axis). The host merges axes, so a plain same-shape op is one row. */
#ifndef HIL_KERNELS_ELEMENTWISE_H
#define HIL_KERNELS_ELEMENTWISE_H

#include <stdint.h>

typedef struct {
    int32_t dims[4];        /* output extent per axis, outermost first */
    int32_t in1_strides[4]; /* element strides of input 1 (0: broadcast axis) */
    int32_t in2_strides[4]; /* element strides of input 2 */
} hil_broadcast_t;

/* ADD / SUB (TFLM reference_integer_ops::AddFunc, reference_ops::SubElementwise):
 *   a = (x1 + input1_offset) << left_shift, scaled by input1 multiplier/shift (<= 0)
 *   b = likewise for x2;  y = clamp(requant(a +/- b, output) + output_offset)
 * left_shift is 20 for int8, 15 for int16. */
typedef struct {
    int32_t input1_offset; /* minus the zero points */
    int32_t input2_offset;
    int32_t left_shift;
    int32_t input1_multiplier;
    int32_t input1_shift;
    int32_t input2_multiplier;
    int32_t input2_shift;
    int32_t output_multiplier;
    int32_t output_shift;
    int32_t output_offset; /* the output zero point */
    int32_t act_min;       /* fused activation clamp */
    int32_t act_max;
} hil_add_params_t;

void hil_add_s8(const int8_t *in1, const int8_t *in2, int8_t *out, const hil_broadcast_t *bc,
                const hil_add_params_t *p);
void hil_add_s16(const int16_t *in1, const int16_t *in2, int16_t *out, const hil_broadcast_t *bc,
                 const hil_add_params_t *p);
void hil_sub_s8(const int8_t *in1, const int8_t *in2, int8_t *out, const hil_broadcast_t *bc,
                const hil_add_params_t *p);
void hil_sub_s16(const int16_t *in1, const int16_t *in2, int16_t *out, const hil_broadcast_t *bc,
                 const hil_add_params_t *p);

/* The optimised int8 ADD and SUB (Cortex-M4; plain C elsewhere, bit for bit):
 * the same arithmetic as hil_add_s8 / hil_sub_s8, rearranged. TFLM scales the
 * input of the larger scale by exactly 1/2 (A: (x + offset) << 19), the other
 * (B) by a multiplier below 1/2; each remaining requantisation is one SMMLAR
 * (the multiply, both of hil_requantize's roundings and the output zero point)
 * and a shift. Rows that step through both inputs one by one take that path
 * (about 17 instructions an element); others (a scalar broadcast along the
 * row) the record's own arithmetic. hil_add_s8_m4_prepare makes the numbers
 * once from the record. */
typedef struct {
    const hil_add_params_t *p; /* the record */
    int32_t mode;              /* 0: A is input 1, B input 2; 1: the other way; 2: both are As (equal scales) */
    int32_t full;              /* 1: the fused activation clamps nothing beyond int8 */
    int32_t k_a, k_b;          /* an A's (x + offset) << 20 is (x << 20) + k (k_b: the second A, mode 2) */
    int32_t offset_b, multiplier_b, round_b, exponent_b; /* B: (x + offset) << 20 by multiplier 2^-e */
    int32_t out_multiplier, out_round, out_exponent;     /* round: 2^(e-1) + output zero point * 2^e */
} hil_add_m4_t;

/* 1, with *f filled, when p lies where the M4 kernels give hil_add_s8's bytes
 * (what TFLite makes for int8: one input multiplier exactly 1/2 at shift 0,
 * the other below at a shift < 0, output shift in [-22, -1]); else 0 (the op
 * keeps the reference kernel). */
int hil_add_s8_m4_prepare(const hil_add_params_t *p, hil_add_m4_t *f);
void hil_add_s8_m4(const int8_t *in1, const int8_t *in2, int8_t *out, const hil_broadcast_t *bc,
                   const hil_add_m4_t *f);
void hil_sub_s8_m4(const int8_t *in1, const int8_t *in2, int8_t *out, const hil_broadcast_t *bc,
                   const hil_add_m4_t *f);

/* MUL (TFLM reference_integer_ops::MulElementwise):
 *   y = clamp(output_offset + requant((x1 + input1_offset) * (x2 + input2_offset))).
 * int16 requires zero offsets (TFLM does too). */
typedef struct {
    int32_t input1_offset;
    int32_t input2_offset;
    int32_t output_multiplier;
    int32_t output_shift;
    int32_t output_offset;
    int32_t act_min;
    int32_t act_max;
} hil_mul_params_t;

void hil_mul_s8(const int8_t *in1, const int8_t *in2, int8_t *out, const hil_broadcast_t *bc,
                const hil_mul_params_t *p);
void hil_mul_s16(const int16_t *in1, const int16_t *in2, int16_t *out, const hil_broadcast_t *bc,
                 const hil_mul_params_t *p);

/* The optimised int8 MUL (as hil_add_s8_m4): the product of the offset
 * inputs requantised by one SMMLAR and a shift (about 12 instructions an
 * element in rows that step through both inputs one by one). */
typedef struct {
    const hil_mul_params_t *p; /* the record */
    int32_t shl;               /* product << shl into the multiply: 1 + the record's shift when > 0 */
    int32_t round;             /* 2^(e-1) + output zero point * 2^e, or the zero point when e = 0 */
    int32_t exponent;          /* e = -shift when shift < 0, else 0 */
    int32_t full;              /* 1: the fused activation clamps nothing beyond int8 */
} hil_mul_m4_t;

/* 1, with *f filled, when p lies where hil_mul_s8_m4 gives hil_mul_s8's bytes
 * (shift in [-22, 14]); else 0. */
int hil_mul_s8_m4_prepare(const hil_mul_params_t *p, hil_mul_m4_t *f);
void hil_mul_s8_m4(const int8_t *in1, const int8_t *in2, int8_t *out, const hil_broadcast_t *bc,
                   const hil_mul_m4_t *f);

/* Requantisation y = clamp(output_offset + requant(x - input_zero_point)): RELU
 * (clamp [max(min, zp_out), max]) and QUANTIZE between integer types
 * (TFLM ReluQuantized, reference_ops::Requantize). */
typedef struct {
    int32_t input_zero_point;
    int32_t output_offset;
    int32_t multiplier;
    int32_t shift;
    int32_t act_min;
    int32_t act_max;
} hil_requant_params_t;

void hil_requantize_s8_s8(const int8_t *in, int8_t *out, int32_t n, const hil_requant_params_t *p);
void hil_requantize_s16_s16(const int16_t *in, int16_t *out, int32_t n, const hil_requant_params_t *p);
void hil_requantize_s8_s16(const int8_t *in, int16_t *out, int32_t n, const hil_requant_params_t *p);
void hil_requantize_s16_s8(const int16_t *in, int8_t *out, int32_t n, const hil_requant_params_t *p);

/* RELU6 (TFLM Relu6Quantized): y = clamp(x, lo, hi), lo/hi in the input's
 * quantisation (TFLM ignores the output's). */
void hil_clamp_s8(const int8_t *in, int8_t *out, int32_t n, int32_t lo, int32_t hi);
void hil_clamp_s16(const int16_t *in, int16_t *out, int32_t n, int32_t lo, int32_t hi);

/* QUANTIZE float32 -> int (TFLM AffineQuantize): y = clamp(round(x / scale) + zero_point),
 * float division, rounding half away from zero; a NaN or a quotient outside the
 * int32 range converts like the x86 build of TFLM (to INT32_MIN). */
void hil_quantize_f32_s8(const float *in, int8_t *out, int32_t n, float scale, int32_t zero_point);
void hil_quantize_f32_s16(const float *in, int16_t *out, int32_t n, float scale, int32_t zero_point);

/* DEQUANTIZE int -> float32 (TFLM Dequantize): y = (float)((double)scale * (x - zero_point)).
 * The product is exact in both double and float arithmetic before its single
 * rounding, so one float multiply gives the same bits. */
void hil_dequantize_s8_f32(const int8_t *in, float *out, int32_t n, float scale, int32_t zero_point);
void hil_dequantize_s16_f32(const int16_t *in, float *out, int32_t n, float scale, int32_t zero_point);

/* LOGISTIC / TANH. int8 (TFLM reference_integer_ops::Logistic / Tanh): inputs
 * beyond +/- input_range_radius saturate, others are rescaled to Q4.27 by
 * multiplier/shift and go through gemmlowp's fixed-point logistic / tanh;
 * the output is logistic in 1/256 steps from -128, tanh in 1/128 steps about 0.
 * int16 (zero points 0): table lookup with interpolation in the 256-entry
 * sigmoid table; multiplier 0 marks a power-of-two input scale. */
typedef struct {
    int32_t input_zero_point; /* int8 only */
    int32_t input_range_radius; /* int8 only */
    int32_t input_multiplier;
    int32_t input_shift; /* int8: left shift for the requantisation; int16: right shift */
} hil_sigmoid_params_t;

void hil_logistic_s8(const int8_t *in, int8_t *out, int32_t n, const hil_sigmoid_params_t *p);
void hil_tanh_s8(const int8_t *in, int8_t *out, int32_t n, const hil_sigmoid_params_t *p);
void hil_logistic_s16(const int16_t *in, int16_t *out, int32_t n, const hil_sigmoid_params_t *p);
void hil_tanh_s16(const int16_t *in, int16_t *out, int32_t n, const hil_sigmoid_params_t *p);

/* sigmoid(i / 24) in 0.16 fixed point, i = 0..255 (TFLM sigmoid_table_uint16). */
extern const uint16_t hil_sigmoid_table_u16[256];

/* SOFTMAX int8 -> int8 (TFLM reference_ops::Softmax, gemmlowp path): per row of
 * depth values, exp((x - max) * beta * scale) in Q0.31 summed in Q12.19, the
 * reciprocal by Newton-Raphson, output in 1/256 steps from -128. Differences
 * below diff_min give -128. depth < 4096 (the Q12 sum must not overflow). */
typedef struct {
    int32_t input_multiplier;
    int32_t input_left_shift;
    int32_t diff_min;
    int32_t depth; /* the trailing dimension */
} hil_softmax_params_t;

void hil_softmax_s8(const int8_t *in, int8_t *out, int32_t rows, const hil_softmax_params_t *p);

/* The walk of a reduction over axes: the output is walked as out_dims with
 * input strides out_strides; each output folds the input over red_dims with
 * red_strides. */
typedef struct {
    int32_t out_dims[4];
    int32_t out_strides[4];
    int32_t red_dims[4];
    int32_t red_strides[4];
} hil_reduce_walk_t;

/* MEAN over axes (TFLM reduce MEAN, QuantizedMeanOrSum): each output sums its
 * inputs (int32, wrapping), then
 *   y = clamp(output_zero_point + requant(sum - input_zero_point * count))
 * with 1/count already folded into multiplier/shift as TFLM folds it. TFLM does
 * this even when input and output quantisation are equal. */
typedef struct {
    hil_reduce_walk_t walk;
    int32_t count; /* product of walk.red_dims */
    int32_t multiplier;
    int32_t shift;
    int32_t input_zero_point;
    int32_t output_zero_point;
} hil_mean_params_t;

void hil_mean_s8(const int8_t *in, int8_t *out, const hil_mean_params_t *p);
void hil_mean_s16(const int16_t *in, int16_t *out, const hil_mean_params_t *p);

/* REDUCE_MAX over axes (TFLM ReduceGeneric with max): the largest raw value;
 * TFLM requires input and output quantised alike and does not requantise. */
void hil_reduce_max_s8(const int8_t *in, int8_t *out, const hil_reduce_walk_t *w);
void hil_reduce_max_s16(const int16_t *in, int16_t *out, const hil_reduce_walk_t *w);

/* Data movement on elements of any size (bytes). Copies use memmove or one load
 * and one store per element, so a (corrupt) blob whose tensors overlap gives
 * wrong bytes, never undefined behaviour. */

/* CONCATENATION (TFLM copies; it rejects int8 inputs that would need requantising): for each of
 * outer blocks, input i contributes copy_bytes[i] bytes, in input order. */
void hil_concat(const uint8_t *const *inputs, const uint32_t *copy_bytes, int32_t n_inputs, int32_t outer,
                uint8_t *out);

/* SPLIT / SPLIT_V: the inverse of hil_concat. */
void hil_split(const uint8_t *in, const uint32_t *copy_bytes, int32_t n_outputs, int32_t outer,
               uint8_t *const *outputs);

/* STRIDED_SLICE, TRANSPOSE and TILE, one affine gather: out[j] = in[base +
 * sum_k i_k * step_k] for i_k < count_k, row-major; steps may be negative (a
 * reversed slice) or 0 (a tiled axis). elem_bytes is 1, 2 or 4. */
typedef struct {
    int32_t base;     /* element offset of the first element read */
    int32_t count[4]; /* output extent per axis */
    int32_t step[4];  /* input element step per axis (stride x input stride) */
} hil_slice_params_t;

void hil_strided_slice(const uint8_t *in, uint8_t *out, int32_t elem_bytes, const hil_slice_params_t *p);

/* RESIZE_NEAREST_NEIGHBOR on NHWC (TFLM reference_ops::ResizeNearestNeighbor):
 * output pixel (b, y, x) is input pixel (b, maps[y], maps[out_height + x]),
 * depth elements of elem_bytes each. The maps are TFLM's GetNearestNeighbor
 * for the op's align_corners / half_pixel_centers, computed on the host. */
typedef struct {
    int32_t batches;
    int32_t in_height;
    int32_t in_width;
    int32_t depth;
    int32_t out_height;
    int32_t out_width;
    int32_t maps[]; /* out_height source rows, then out_width source columns */
} hil_resize_params_t;

void hil_resize_nearest(const uint8_t *in, uint8_t *out, int32_t elem_bytes, const hil_resize_params_t *p);

#endif
