#define _POSIX_C_SOURCE 199309L /* clock_gettime */
/* The runtime as a library for the host simulator (hil/sim.py, via ctypes).
 * The same C code the boards run; only hal_cycles() is the host's clock. */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "../../src/proto/handlers.h"
#include "hil/hal.h"
#include "hil/runtime.h"
#include "hil/stft.h"

#define SIM_REGION_BYTES (4u * 1024u * 1024u)
#define SIM_API __attribute__((visibility("default")))

static uint8_t region[SIM_REGION_BYTES] __attribute__((aligned(8)));

uint32_t hal_cycles(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

/* Load a blob (copied into the simulator's region); returns a hil_status_t. */
SIM_API int hil_sim_load(const uint8_t *blob, uint32_t size)
{
    if (size == 0u || size > SIM_REGION_BYTES) {
        return HIL_ERR_NO_SPACE;
    }
    hil_runtime_unload();
    memcpy(region, blob, size);
    size_t span = ((size_t)size + 7u) & ~(size_t)7u;
    return hil_runtime_load(region, size, region + span, SIM_REGION_BYTES - span);
}

/* One inference, exactly as the INVOKE command runs it. */
SIM_API int hil_sim_invoke(const uint8_t *in, uint32_t in_len, uint8_t flags, uint8_t *out, uint32_t out_cap,
                           uint32_t *out_len)
{
    size_t n = 0;
    uint32_t cycles = 0;
    int st = hil_runtime_invoke(in, in_len, flags, out, out_cap, &n, &cycles);
    *out_len = (uint32_t)n;
    return st;
}

/* Many inferences back to back: rows of in_stride input bytes in, out_stride output bytes out. */
SIM_API int hil_sim_invoke_rows(const uint8_t *in, uint32_t in_stride, uint8_t *out, uint32_t out_stride,
                                uint32_t rows, uint8_t flags)
{
    for (uint32_t r = 0; r < rows; r++) {
        uint32_t n = 0;
        int st = hil_sim_invoke(in + (size_t)r * in_stride, in_stride, flags, out + (size_t)r * out_stride,
                                out_stride, &n);
        if (st != HIL_OK) {
            return st;
        }
    }
    return HIL_OK;
}

SIM_API int hil_sim_profile(uint8_t *out, uint32_t out_cap, uint32_t *out_len)
{
    size_t n = 0;
    int st = hil_runtime_profile(out, out_cap, &n);
    *out_len = (uint32_t)n;
    return st;
}

/* 1 when op i of the loaded model has an optimised kernel of its own. */
SIM_API int hil_sim_op_optimised(uint32_t i)
{
    return hil_runtime_op_optimised(i);
}

/* The STREAM_* commands as the board runs them (same parsing, same chain):
 * payload in, reply payload out (capacity HIL_MAX_PAYLOAD); returns the status. */
static int stream_command(hil_handler_t handler, const uint8_t *payload, uint32_t len, uint8_t *reply,
                          uint32_t *reply_len)
{
    hil_request_t req = {.type = 0, .seq = 0, .payload = payload, .len = len};
    size_t n = 0;
    int st = handler(NULL, &req, reply, &n);
    *reply_len = (uint32_t)n;
    return st;
}

SIM_API int hil_sim_stream_begin(const uint8_t *payload, uint32_t len, uint8_t *reply, uint32_t *reply_len)
{
    return stream_command(hil_cmd_stream_begin, payload, len, reply, reply_len);
}

SIM_API int hil_sim_stream_hops(const uint8_t *payload, uint32_t len, uint8_t *reply, uint32_t *reply_len)
{
    return stream_command(hil_cmd_stream_hops, payload, len, reply, reply_len);
}

/* The chain's stages one by one, for the tests that hold the host mirror
 * (hil/dsp/chain.py) against this C bit for bit, on the chain last set by
 * hil_sim_chain (nsNet2's 320/160 sqrt-Hann log-power until then). */
static hil_stft_t chain;

static const hil_stft_t *current(void)
{
    if (chain.plan == NULL) {
        hil_stft_setup(&chain, 320u, 160u, HIL_STFT_SQRT_HANN, HIL_STFT_LOG_POWER, 0.0f, HIL_STFT_MASK_GAIN);
    }
    return &chain;
}

/* Set the stages' chain; returns a hil_stft_check_t (the chain is unset unless HIL_STFT_OK). */
SIM_API int hil_sim_chain(uint16_t fft_size, uint16_t hop, uint8_t window, uint8_t feature, float exponent,
                          uint8_t mask)
{
    int st = (int)hil_stft_setup(&chain, fft_size, hop, window, feature, exponent, mask);
    if (st != HIL_STFT_OK) {
        chain.plan = NULL;
    }
    return st;
}

SIM_API void hil_sim_ln(const float *x, float *y, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        y[i] = hil_ln_f32(x[i]);
    }
}

SIM_API void hil_sim_exp(const float *x, float *y, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        y[i] = hil_exp_f32(x[i]);
    }
}

SIM_API void hil_sim_analysis(const int16_t *prev, const int16_t *hop, float *re, float *im)
{
    float work[HIL_STFT_WORK_FLOATS];
    hil_stft_analysis(current(), prev, hop, re, im, work);
}

SIM_API void hil_sim_features(const float *re, const float *im, float inv_scale, int32_t zp, int8_t *q)
{
    hil_stft_features(current(), re, im, inv_scale, zp, q);
}

SIM_API void hil_sim_apply_mask(const int8_t *mask, float scale, int32_t zp, float *re, float *im)
{
    hil_stft_apply_mask(current(), mask, scale, zp, re, im);
}

SIM_API void hil_sim_synthesis(const float *re, const float *im, float *tail, int16_t *out)
{
    float work[HIL_STFT_WORK_FLOATS];
    hil_stft_synthesis(current(), re, im, tail, out, work);
}
