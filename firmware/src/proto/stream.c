/* STREAM_BEGIN / STREAM_HOPS: the speech-enhancement chain on the board
 * (hil/stream.h). Layouts are documented in hil/link/protocol.py. */
#include <string.h>

#include "handlers.h"
#include "hil/stream.h"
#include "hil/wire.h"

#define BEGIN_FIXED 20u
#define BEGIN_LINK 20u
#define HOP_IN_BYTES (2u * HIL_STFT_HOP)
#define HOP_OUT_BYTES (4u * HIL_STREAM_STAGES + 2u * HIL_STFT_HOP)

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

/* payload: u8 feature_input, u8 mask_output, u8 n_links, u8 flags, f32 feature_inv_scale,
 * i32 feature_zp, f32 mask_scale, i32 mask_zp, then n_links x (u8 state_out, u8 state_in,
 * u16 reserved, i32 multiplier, i32 shift, i32 zp_out, i32 zp_in).
 * reply: OK -> u16 max hops per STREAM_HOPS; BAD_ARG -> u8 hil_stream_reason_t. */
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
        hil_wire_put_u16(out, HIL_STREAM_MAX_HOPS);
        *out_len = 2;
    } else {
        out[0] = (uint8_t)reason;
        *out_len = 1;
    }
    return st;
}

/* payload: k x 160 i16 samples (1 <= k <= HIL_STREAM_MAX_HOPS);
 * reply: k x (5 x u32 stage counts, 160 i16 samples). */
hil_status_t hil_cmd_stream_hops(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    *out_len = 0;
    size_t hops = req->len / HOP_IN_BYTES;
    if (req->len % HOP_IN_BYTES != 0u || hops == 0u || hops > HIL_STREAM_MAX_HOPS) {
        return HIL_ERR_BAD_ARG;
    }
    int16_t in[HIL_STFT_HOP], pcm[HIL_STFT_HOP];
    uint32_t counts[HIL_STREAM_STAGES];
    for (size_t h = 0; h < hops; h++) {
        const uint8_t *src = req->payload + h * HOP_IN_BYTES;
        for (unsigned n = 0; n < HIL_STFT_HOP; n++) {
            in[n] = (int16_t)hil_wire_get_u16(src + 2u * n);
        }
        hil_status_t st = hil_stream_hop(in, pcm, counts);
        if (st != HIL_OK) {
            *out_len = 0; /* the hops before this one are lost with the stream */
            return st;
        }
        uint8_t *p = out + h * HOP_OUT_BYTES;
        for (unsigned i = 0; i < HIL_STREAM_STAGES; i++) {
            p = hil_wire_put_u32(p, counts[i]);
        }
        for (unsigned n = 0; n < HIL_STFT_HOP; n++) {
            p = hil_wire_put_u16(p, (uint16_t)pcm[n]);
        }
        *out_len = (size_t)(p - out);
    }
    return HIL_OK;
}
