/* The speech-enhancement chain streaming through the loaded model: per hop,
 * analysis -> features -> model (GRU states fed back on the board) -> mask ->
 * synthesis, each stage timed with hal_cycles(). The chain (FFT size, hop,
 * window, feature, mask: hil/stft.h) is part of the stream's configuration;
 * its buffers are sized for the largest plan. Behind STREAM_BEGIN /
 * STREAM_HOPS (src/proto/stream.c) and the simulator's hil_sim_stream_*; the
 * host mirror is hil/dsp/chain.py (ChainStream). */
#ifndef HIL_STREAM_H
#define HIL_STREAM_H

#include <stdint.h>

#include "hil/model.h"
#include "hil/status.h"
#include "hil/stft.h"

#define HIL_STREAM_MAX_LINKS 4u          /* GRU states fed back per hop */
#define HIL_STREAM_MAX_STATE_BYTES 1024u /* all states together */
#define HIL_STREAM_STAGES 5u             /* analysis, feature, model, mask, synthesis */
#define HIL_STREAM_FLAG_REFERENCE 0x01u  /* run the model with the reference kernels */

/* Early exits (hil/model.h, hil/dsp/exits.py). NONE: every op runs, the mask is
 * mask_output. FIXED: every hop runs only the ops exit `exit` needs. CONFIDENCE:
 * exits 0, 1, ... in turn until one's mask q is decisive, sum_b |q_b - centre|
 * >= limit, or the last. A GRU whose op a hop skipped holds its state: only
 * the states written by the exits a hop ran are fed back. */
#define HIL_STREAM_EXIT_NONE 0u
#define HIL_STREAM_EXIT_FIXED 1u
#define HIL_STREAM_EXIT_CONFIDENCE 2u

/* Why a configuration was refused (the u8 payload of the error reply). */
typedef enum {
    HIL_STREAM_OK = 0,
    HIL_STREAM_BAD_LENGTH = 1,    /* payload is not 32 + 20 * n_links bytes */
    HIL_STREAM_BAD_FEATURE = 2,   /* feature input: no such input, not int8, not the chain's bins */
    HIL_STREAM_BAD_MASK = 3,      /* mask output: no such output, not int8, not the chain's bins */
    HIL_STREAM_BAD_FEATURE_Q = 4, /* inv_scale not finite and > 0, or zp not the tensor's */
    HIL_STREAM_BAD_MASK_Q = 5,    /* scale not finite and > 0, or zp not the tensor's */
    HIL_STREAM_BAD_LINKS = 6,     /* too many links, or the model has inputs nobody feeds */
    HIL_STREAM_BAD_LINK = 7,      /* a link's tensors: missing, not int8, sizes differ, input used twice */
    HIL_STREAM_BAD_REQUANT = 8,   /* multiplier/shift out of range, or zps not the tensors' */
    HIL_STREAM_BAD_STATE = 9,     /* states exceed HIL_STREAM_MAX_STATE_BYTES */
    HIL_STREAM_BAD_FFT = 10,      /* no plan for the FFT size (hil_stft_check_t + 9 from here on) */
    HIL_STREAM_BAD_HOP = 11,      /* hop not fft_size / 2 or / 4 */
    HIL_STREAM_BAD_WINDOW = 12,   /* no such window kind */
    HIL_STREAM_BAD_FEATURE_KIND = 13, /* no such feature */
    HIL_STREAM_BAD_EXPONENT = 14, /* power-law exponent not in (0, 2], or not 0 for log-power */
    HIL_STREAM_BAD_MASK_KIND = 15, /* no such mask kind */
    HIL_STREAM_BAD_EXITS = 16,    /* exit block: the model has no exits or other ones, a mask's quantisation, the mode */
    HIL_STREAM_BAD_EXIT = 17      /* the fixed exit is not one of the model's */
} hil_stream_reason_t;

typedef struct {
    uint8_t state_out; /* model output position */
    uint8_t state_in;  /* model input position */
    int32_t multiplier; /* hil_requantize: Q31 in [2^30, 2^31) or 0 */
    int32_t shift;      /* -31..30 */
    int32_t zp_out;
    int32_t zp_in;
} hil_stream_link_t;

typedef struct {
    uint16_t fft_size;
    uint16_t hop;
    uint8_t window;  /* hil_stft_window_kind_t */
    uint8_t feature; /* hil_stft_feature_t */
    uint8_t mask;    /* hil_stft_mask_t */
    float exponent;  /* power-law's c; 0 for log-power */
} hil_stream_chain_t;

typedef struct {
    uint8_t output;   /* model output position of the exit's mask */
    float mask_scale; /* that output's quantisation */
    int32_t mask_zp;
    int32_t centre;   /* the quantised 0.5 */
    uint32_t limit;   /* decisive when sum |q - centre| >= limit */
} hil_stream_exit_t;

typedef struct {
    uint8_t feature_input;
    uint8_t mask_output;
    uint8_t n_links;
    uint8_t flags; /* HIL_STREAM_FLAG_* */
    float feature_inv_scale;
    int32_t feature_zp;
    float mask_scale;
    int32_t mask_zp;
    hil_stream_chain_t chain;
    hil_stream_link_t links[HIL_STREAM_MAX_LINKS];
    uint8_t exit_mode; /* HIL_STREAM_EXIT_* */
    uint8_t exit;      /* FIXED: the exit */
    uint8_t n_exits;   /* FIXED, CONFIDENCE: the model's exits */
    hil_stream_exit_t exits[HIL_MODEL_MAX_EXITS];
} hil_stream_config_t;

/* Check cfg against the loaded model and start a stream: zero input history,
 * overlap-add tail, every state (at its zero point) and every op's own
 * history (hil_runtime_restart). On HIL_ERR_BAD_ARG
 * *reason says which check failed; HIL_ERR_NO_MODEL without a model. Any
 * call ends the previous stream, refused or not. */
hil_status_t hil_stream_begin(const hil_stream_config_t *cfg, hil_stream_reason_t *reason);

/* The running stream's hop in samples; 0 without a stream. */
uint16_t hil_stream_hop_samples(void);

/* One hop: hil_stream_hop_samples() int16 samples in, as many out (delayed
 * by fft_size - hop), the counter delta of each stage and the exit taken (the
 * last exit, or 0 for a model without exits, when exit_mode is NONE).
 * HIL_ERR_STATE without a stream or after the model changed (it then ends). */
hil_status_t hil_stream_hop(const int16_t *in, int16_t *out, uint32_t counts[HIL_STREAM_STAGES], uint8_t *exit_taken);

/* The running stream's exit mode (HIL_STREAM_EXIT_*). */
uint8_t hil_stream_exit_mode(void);

/* Forget the stream. */
void hil_stream_end(void);

#endif
