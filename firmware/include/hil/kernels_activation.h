/* PReLU, LeakyReLU, hard-swish, MAXIMUM and MINIMUM: the piecewise activations
 * Keras layers lower to, bit-exact with TensorFlow Lite Micro's reference
 * kernels (int8, and int16 where TFLM has an int16 path). The parameter
 * records are filled on the host (hil/compile/ops/rectifiers.py, binary.py)
 * with the numbers TFLM computes in Prepare and checked once by the op's
 * prepare(). Binary kernels walk a hil_broadcast_t (hil/kernels_elementwise.h). */
#ifndef HIL_KERNELS_ACTIVATION_H
#define HIL_KERNELS_ACTIVATION_H

#include <stdint.h>

#include "hil/kernels_elementwise.h"

/* PRELU (TFLM reference_ops::BroadcastPrelu4DSlow): with x' = x + input_offset,
 *   y = clamp(output_offset + (x' >= 0 ? requant(x', identity)
 *                                       : requant(x' * (alpha + alpha_offset), alpha)))
 * to the output type. alpha is int8 for int8 and int16 inputs alike (TFLM requires it). */
typedef struct {
    int32_t input_offset;  /* minus the input zero point */
    int32_t alpha_offset;  /* minus alpha's zero point */
    int32_t output_offset; /* the output zero point */
    int32_t multiplier_identity; /* input_scale / output_scale */
    int32_t shift_identity;
    int32_t multiplier_alpha; /* input_scale * alpha_scale / output_scale */
    int32_t shift_alpha;
} hil_prelu_params_t;

void hil_prelu_s8(const int8_t *in, const int8_t *alpha, int8_t *out, const hil_broadcast_t *bc,
                  const hil_prelu_params_t *p);
void hil_prelu_s16(const int16_t *in, const int8_t *alpha, int16_t *out, const hil_broadcast_t *bc,
                   const hil_prelu_params_t *p);

/* LEAKY_RELU (TFLM reference_ops::QuantizeLeakyRelu): with x' = x - input_zero_point,
 *   y = clamp(output_zero_point + (x' >= 0 ? requant(x', identity) : +/- requant(x', |alpha|)))
 * multiplier_alpha carries alpha's sign: TFLM requantises by its magnitude and
 * negates the result (multiplier_alpha > INT32_MIN). */
typedef struct {
    int32_t input_zero_point;
    int32_t output_zero_point;
    int32_t multiplier_identity; /* input_scale / output_scale */
    int32_t shift_identity;
    int32_t multiplier_alpha; /* input_scale * alpha / output_scale, signed */
    int32_t shift_alpha;
} hil_leaky_relu_params_t;

void hil_leaky_relu_s8(const int8_t *in, int8_t *out, int32_t n, const hil_leaky_relu_params_t *p);
void hil_leaky_relu_s16(const int16_t *in, int16_t *out, int32_t n, const hil_leaky_relu_params_t *p);

/* Any int8 -> int8 function of one value: y = table[x + 128]. HARD_SWISH's
 * table is TFLM's reference HardSwish evaluated on the host for all 256
 * inputs; int8 LEAKY_RELU's (its optimised kernel) is checked at load against
 * hil_leaky_relu_s8. */
void hil_lut_s8(const int8_t *in, int8_t *out, int32_t n, const int8_t *table);

/* MAXIMUM / MINIMUM (TFLM reference_ops::MaximumMinimumBroadcastSlow): the
 * larger / smaller of the two raw values; TFLM does not requantise. */
void hil_maximum_s8(const int8_t *in1, const int8_t *in2, int8_t *out, const hil_broadcast_t *bc);
void hil_maximum_s16(const int16_t *in1, const int16_t *in2, int16_t *out, const hil_broadcast_t *bc);
void hil_minimum_s8(const int8_t *in1, const int8_t *in2, int8_t *out, const hil_broadcast_t *bc);
void hil_minimum_s16(const int16_t *in1, const int16_t *in2, int16_t *out, const hil_broadcast_t *bc);

#endif
