/* STREAM_BEGIN / STREAM_HOPS: the speech-enhancement chain on the board
 * (hil/stream.h). Layouts are documented in hil/link/protocol.py. */
#include <string.h>

#include "handlers.h"
#include "hil/stream.h"
#include "hil/wire.h"

#define BEGIN_FIXED 32u
#define BEGIN_LINK 20u
#define STAGE_BYTES (4u * HIL_STREAM_STAGES)

static float get_f32(const uint8_t *p)
{
    uint32_t u = hil_wire_get_u32(p);
    float f;
    memcpy(&f, &u, sizeof(f));
    return f;
}

static void parse_link(const uint8_t *p, hil_stream_link_t *l)
{
    l->state_out = p[0];
    l->state_in = p[1];
    l->multiplier = (int32_t)hil_wire_get_u32(p + 4);
    l->shift = (int32_t)hil_wire_get_u32(p + 8);
    l->zp_out = (int32_t)hil_wire_get_u32(p + 12);
    l->zp_in = (int32_t)hil_wire_get_u32(p + 16);
}

static void parse_chain(const uint8_t *p, hil_stream_chain_t *c)
{
    c->fft_size = hil_wire_get_u16(p);
    c->hop = hil_wire_get_u16(p + 2);
    c->window = p[4];
    c->feature = p[5];
    c->mask = p[6];
    c->exponent = get_f32(p + 8);
}

/* The most hops one STREAM_HOPS carries: its reply (stage counts and samples per hop) fits a frame. */
static uint16_t max_hops(uint16_t hop)
{
    return (uint16_t)(HIL_MAX_PAYLOAD / (STAGE_BYTES + 2u * hop));
}

/* payload: u8 feature_input, u8 mask_output, u8 n_links, u8 flags, f32 feature_inv_scale,
 * i32 feature_zp, f32 mask_scale, i32 mask_zp, then the chain: u16 fft_size, u16 hop, u8 window,
 * u8 feature, u8 mask, u8 reserved, f32 exponent, then n_links x (u8 state_out, u8 state_in,
 * u16 reserved, i32 multiplier, i32 shift, i32 zp_out, i32 zp_in).
 * reply: OK -> u16 max hops per STREAM_HOPS; BAD_ARG -> u8 hil_stream_reason_t, and for a feature
 * or mask tensor that does not fit the chain, u16 the chain's bins. */
hil_status_t hil_cmd_stream_begin(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    hil_stream_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    hil_stream_reason_t reason = HIL_STREAM_BAD_LENGTH;
    hil_status_t st = HIL_ERR_BAD_ARG;
    hil_stream_end();
    if (req->len >= BEGIN_FIXED) {
        const uint8_t *p = req->payload;
        cfg.feature_input = p[0];
        cfg.mask_output = p[1];
        cfg.n_links = p[2];
        cfg.flags = p[3];
        cfg.feature_inv_scale = get_f32(p + 4);
        cfg.feature_zp = (int32_t)hil_wire_get_u32(p + 8);
        cfg.mask_scale = get_f32(p + 12);
        cfg.mask_zp = (int32_t)hil_wire_get_u32(p + 16);
        parse_chain(p + 20, &cfg.chain);
        if (cfg.n_links > HIL_STREAM_MAX_LINKS) {
            reason = HIL_STREAM_BAD_LINKS;
        } else if (req->len == BEGIN_FIXED + BEGIN_LINK * cfg.n_links) {
            for (unsigned i = 0; i < cfg.n_links; i++) {
                parse_link(p + BEGIN_FIXED + BEGIN_LINK * i, &cfg.links[i]);
            }
            st = hil_stream_begin(&cfg, &reason);
        }
    }
    if (st == HIL_OK) {
        hil_wire_put_u16(out, max_hops(cfg.chain.hop));
        *out_len = 2;
    } else if (reason == HIL_STREAM_BAD_FEATURE || reason == HIL_STREAM_BAD_MASK) {
        out[0] = (uint8_t)reason;
        hil_wire_put_u16(out + 1, (uint16_t)(cfg.chain.fft_size / 2u + 1u));
        *out_len = 3;
    } else {
        out[0] = (uint8_t)reason;
        *out_len = 1;
    }
    return st;
}

/* payload: k x hop i16 samples (1 <= k <= the max hops STREAM_BEGIN answered);
 * reply: k x (5 x u32 stage counts, hop i16 samples). STATE without a stream. */
hil_status_t hil_cmd_stream_hops(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    *out_len = 0;
    const uint16_t hop = hil_stream_hop_samples();
    if (hop == 0u) {
        return HIL_ERR_STATE;
    }
    const size_t in_bytes = 2u * hop, out_bytes = STAGE_BYTES + 2u * hop, hops = req->len / in_bytes;
    if (req->len % in_bytes != 0u || hops == 0u || hops > max_hops(hop)) {
        return HIL_ERR_BAD_ARG;
    }
    int16_t in[HIL_STFT_MAX_HOP], pcm[HIL_STFT_MAX_HOP];
    uint32_t counts[HIL_STREAM_STAGES];
    for (size_t h = 0; h < hops; h++) {
        const uint8_t *src = req->payload + h * in_bytes;
        for (unsigned n = 0; n < hop; n++) {
            in[n] = (int16_t)hil_wire_get_u16(src + 2u * n);
        }
        hil_status_t st = hil_stream_hop(in, pcm, counts);
        if (st != HIL_OK) {
            *out_len = 0; /* the hops before this one are lost with the stream */
            return st;
        }
        uint8_t *p = out + h * out_bytes;
        for (unsigned i = 0; i < HIL_STREAM_STAGES; i++) {
            p = hil_wire_put_u32(p, counts[i]);
        }
        for (unsigned n = 0; n < hop; n++) {
            p = hil_wire_put_u16(p, (uint16_t)pcm[n]);
        }
        *out_len = (size_t)(p - out);
    }
    return HIL_OK;
}
