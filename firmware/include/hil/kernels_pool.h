/* Pooling and padding kernels, bit-exact with TensorFlow Lite Micro's
 * reference kernels (reference_integer_ops::AveragePool / MaxPool,
 * reference_ops::Pad), int8 and int16. The int8 pools have a Cortex-M4
 * version beside the reference (_m4: four channels per word with the SIMD
 * instructions of src/kernels/simd_m4.h, portable C off the M4), and the
 * RISC-V ports one of their own (hil/kernels_rv32.h); each gives identical
 * bytes. Activations are NHWC; the parameter records are filled on
 * the host (hil/compile/ops/pool.py, pad.py).
 *
 * The kernels trust their arguments: op_pool.c and op_pad.c check everything
 * in prepare() (every window holds at least one input pixel, window
 * coordinates and sums fit int32, every copy stays inside its tensor). */
#ifndef HIL_KERNELS_POOL_H
#define HIL_KERNELS_POOL_H

#include <stdint.h>

/* A pool's geometry and clamp. Output pixel (y, x) reads the window of
 * k_h x k_w input pixels from (y * stride_h - pad_h, x * stride_w - pad_w);
 * taps outside the input are left out (not counted in an average). */
typedef struct {
    int32_t batches, in_h, in_w, channels;
    int32_t out_h, out_w;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t pad_h, pad_w;
    int32_t act_min, act_max; /* fused activation, in the output's quantisation */
} hil_pool_t;

/* AVERAGE_POOL_2D: per channel, the sum of the window's taps divided by their
 * count, rounded half away from zero (as TFLM's integer division does it),
 * clamped to [act_min, act_max]. No requantisation: TFLM requires input and
 * output to share their quantisation. */
void hil_average_pool_s8(const int8_t *in, int8_t *out, const hil_pool_t *p);

/* hil_average_pool_s8 with the sums of four channels in the 16-bit lanes of
 * two words (SXTAB16), widened every 256 taps. */
void hil_average_pool_s8_m4(const int8_t *in, int8_t *out, const hil_pool_t *p);

/* hil_average_pool_s8 for int16 activations (reference only). */
void hil_average_pool_s16(const int16_t *in, int16_t *out, const hil_pool_t *p);

/* MAX_POOL_2D: per channel, the largest of the window's taps, clamped to
 * [act_min, act_max]. */
void hil_max_pool_s8(const int8_t *in, int8_t *out, const hil_pool_t *p);

/* hil_max_pool_s8 four channels per word (SSUB8 + SEL). */
void hil_max_pool_s8_m4(const int8_t *in, int8_t *out, const hil_pool_t *p);

/* hil_max_pool_s8 for int16 activations (reference only). */
void hil_max_pool_s16(const int16_t *in, int16_t *out, const hil_pool_t *p);

/* PAD / PADV2 on up to four axes, outermost first (the host merges axes and
 * fills leading ones with extent 1 and no padding). */
typedef struct {
    int32_t in_dims[4];
    int32_t before[4]; /* elements of padding before the input, per axis */
    int32_t after[4];
    int32_t value; /* the pad value, raw: the output zero point, 0 or PADV2's constant */
} hil_pad_params_t;

/* The output (extent in_dims[k] + before[k] + after[k] on axis k) holds
 * value everywhere except the input, placed at offset before[k] on every
 * axis. elem_bytes is 1 (int8) or 2 (int16). Copies use memmove, so a
 * (corrupt) blob whose tensors overlap gives wrong bytes, never undefined behaviour. */
void hil_pad(const void *in, void *out, int32_t elem_bytes, const hil_pad_params_t *p);

#endif
