/* STREAM_BEGIN / STREAM_HOPS: the speech-enhancement chain on the board
 * (hil/stream.h). Layouts are documented in hil/link/protocol.py. */
#include <string.h>

#include "handlers.h"
#include "hil/stream.h"
#include "hil/wire.h"

#define BEGIN_FIXED 32u
#define BEGIN_LINK 20u
#define BEGIN_EXITS 4u /* the optional exit block (protocol 1.4): u8 mode, u8 exit, u8 n_exits, u8 reserved */
#define BEGIN_EXIT 20u
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

/* A hop's reply record: stage counts, with exits the exit taken (u8 + u8 reserved), samples. */
static size_t record_bytes(uint16_t hop, uint8_t exit_mode)
{
    return STAGE_BYTES + (exit_mode != HIL_STREAM_EXIT_NONE ? 2u : 0u) + 2u * hop;
}

/* The most hops one STREAM_HOPS carries: its reply fits a frame. */
static uint16_t max_hops(uint16_t hop, uint8_t exit_mode)
{
    return (uint16_t)(HIL_MAX_PAYLOAD / record_bytes(hop, exit_mode));
}

static void parse_exit(const uint8_t *p, hil_stream_exit_t *e)
{
    e->output = p[0];
    e->mask_scale = get_f32(p + 4);
    e->mask_zp = (int32_t)hil_wire_get_u32(p + 8);
    e->centre = (int32_t)hil_wire_get_u32(p + 12);
    e->limit = hil_wire_get_u32(p + 16);
}

/* The optional exit block after the links: 1 when absent or well formed (and parsed), else 0. */
static int parse_exits(const uint8_t *p, size_t len, hil_stream_config_t *cfg)
{
    if (len == 0u) {
        return 1;
    }
    if (len < BEGIN_EXITS || p[2] > HIL_MODEL_MAX_EXITS || len != BEGIN_EXITS + BEGIN_EXIT * (size_t)p[2]) {
        return 0;
    }
    cfg->exit_mode = p[0];
    cfg->exit = p[1];
    cfg->n_exits = p[2];
    for (unsigned k = 0; k < cfg->n_exits; k++) {
        parse_exit(p + BEGIN_EXITS + BEGIN_EXIT * k, &cfg->exits[k]);
    }
    return 1;
}

/* payload: u8 feature_input, u8 mask_output, u8 n_links, u8 flags, f32 feature_inv_scale,
 * i32 feature_zp, f32 mask_scale, i32 mask_zp, then the chain: u16 fft_size, u16 hop, u8 window,
 * u8 feature, u8 mask, u8 reserved, f32 exponent, then n_links x (u8 state_out, u8 state_in,
 * u16 reserved, i32 multiplier, i32 shift, i32 zp_out, i32 zp_in), then optionally (1.4) the exit
 * block: u8 mode, u8 exit, u8 n_exits, u8 reserved, n_exits x (u8 output, 3 reserved, f32 mask_scale,
 * i32 mask_zp, i32 centre, u32 limit).
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
        } else if (req->len >= BEGIN_FIXED + BEGIN_LINK * cfg.n_links) {
            const size_t links_end = BEGIN_FIXED + BEGIN_LINK * cfg.n_links;
            for (unsigned i = 0; i < cfg.n_links; i++) {
                parse_link(p + BEGIN_FIXED + BEGIN_LINK * i, &cfg.links[i]);
            }
            if (parse_exits(p + links_end, req->len - links_end, &cfg)) {
                st = hil_stream_begin(&cfg, &reason);
            }
        }
    }
    if (st == HIL_OK) {
        hil_wire_put_u16(out, max_hops(cfg.chain.hop, cfg.exit_mode));
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
 * reply: k x (5 x u32 stage counts, [with exits: u8 exit taken, u8 reserved,] hop i16 samples).
 * STATE without a stream. */
hil_status_t hil_cmd_stream_hops(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    *out_len = 0;
    const uint16_t hop = hil_stream_hop_samples();
    if (hop == 0u) {
        return HIL_ERR_STATE;
    }
    const uint8_t mode = hil_stream_exit_mode();
    const size_t in_bytes = 2u * hop, out_bytes = record_bytes(hop, mode), hops = req->len / in_bytes;
    if (req->len % in_bytes != 0u || hops == 0u || hops > max_hops(hop, mode)) {
        return HIL_ERR_BAD_ARG;
    }
    int16_t in[HIL_STFT_MAX_HOP], pcm[HIL_STFT_MAX_HOP];
    uint32_t counts[HIL_STREAM_STAGES];
    uint8_t taken;
    for (size_t h = 0; h < hops; h++) {
        const uint8_t *src = req->payload + h * in_bytes;
        for (unsigned n = 0; n < hop; n++) {
            in[n] = (int16_t)hil_wire_get_u16(src + 2u * n);
        }
        hil_status_t st = hil_stream_hop(in, pcm, counts, &taken);
        if (st != HIL_OK) {
            *out_len = 0; /* the hops before this one are lost with the stream */
            return st;
        }
        uint8_t *p = out + h * out_bytes;
        for (unsigned i = 0; i < HIL_STREAM_STAGES; i++) {
            p = hil_wire_put_u32(p, counts[i]);
        }
        if (mode != HIL_STREAM_EXIT_NONE) {
            *p++ = taken;
            *p++ = 0u;
        }
        for (unsigned n = 0; n < hop; n++) {
            p = hil_wire_put_u16(p, (uint16_t)pcm[n]);
        }
        *out_len = (size_t)(p - out);
    }
    return HIL_OK;
}
