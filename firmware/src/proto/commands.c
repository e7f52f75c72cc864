#include <string.h>

#include "handlers.h"
#include "hil/hal.h"
#include "hil/version.h"
#include "hil/wire.h"

static uint8_t *put_str(uint8_t *p, const char *s)
{
    size_t n = strlen(s);
    if (n > 255u) {
        n = 255u;
    }
    *p++ = (uint8_t)n;
    memcpy(p, s, n);
    return p + n;
}

/* Layout documented in hil/link/protocol.py (BoardInfo.parse). */
static uint8_t *put_board_info(uint8_t *p)
{
    const hal_board_info_t *b = hal_board_info();
    uint8_t *region;
    size_t region_bytes;
    hal_model_region(&region, &region_bytes);
    p = hil_wire_put_u16(p, HIL_PROTO_VERSION);
    p = hil_wire_put_u16(p, HIL_MAX_PAYLOAD);
    p = hil_wire_put_u32(p, b->clock_hz);
    p = hil_wire_put_u32(p, b->flash_bytes);
    p = hil_wire_put_u32(p, b->ram_bytes);
    p = hil_wire_put_u32(p, (uint32_t)region_bytes);
    *p++ = (uint8_t)b->counter;
    *p++ = b->flags;
    *p++ = (uint8_t)b->reset_cause;
    p = put_str(p, b->board_id);
    return put_str(p, HIL_FW_VERSION);
}

static hil_status_t cmd_hello(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    *out_len = (size_t)(put_board_info(out) - out);
    if (req->len != 2u) {
        return HIL_ERR_BAD_ARG;
    }
    return (hil_wire_get_u16(req->payload) >> 8) == HIL_PROTO_VERSION_MAJOR ? HIL_OK : HIL_ERR_VERSION;
}

static hil_status_t cmd_info(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)req;
    uint8_t *p = put_board_info(out);
    const hil_link_stats_t *s = &link->stats;
    const uint32_t stats[] = {s->frames_ok,       s->crc_errors,   s->frame_errors,
                              s->too_long_errors, s->unknown_cmds, s->duplicate_requests};
    for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
        p = hil_wire_put_u32(p, stats[i]);
    }
    *out_len = (size_t)(p - out);
    return HIL_OK;
}

static hil_status_t cmd_echo(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    memcpy(out, req->payload, req->len);
    *out_len = req->len;
    return HIL_OK;
}

static hil_status_t cmd_reset(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    (void)req;
    (void)out;
    *out_len = 0;
    return HIL_OK;
}

static hil_status_t cmd_sink(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    hil_wire_put_u32(out, (uint32_t)req->len);
    *out_len = 4;
    return HIL_OK;
}

/* Board->host throughput: byte i of the reply is (i * 31 + 7) mod 256. */
static hil_status_t cmd_source(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    *out_len = 0;
    if (req->len != 2u) {
        return HIL_ERR_BAD_ARG;
    }
    size_t n = hil_wire_get_u16(req->payload);
    if (n > HIL_MAX_PAYLOAD) {
        return HIL_ERR_BAD_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = (uint8_t)(i * 31u + 7u);
    }
    *out_len = n;
    return HIL_OK;
}

/* Counter calibration: a loop of n volatile steps, timed by hal_cycles(). Under
 * QEMU -icount the delta is an exact instruction count, the same every run. */
static hil_status_t cmd_spin(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    *out_len = 0;
    if (req->len != 4u || hil_wire_get_u32(req->payload) > HIL_SPIN_MAX) {
        return HIL_ERR_BAD_ARG;
    }
    uint32_t n = hil_wire_get_u32(req->payload);
    uint32_t start = hal_cycles();
    for (volatile uint32_t i = 0; i < n; i++) {
    }
    hil_wire_put_u32(out, hal_cycles() - start);
    *out_len = 4;
    return HIL_OK;
}

hil_handler_t hil_command_handler(uint8_t type)
{
    switch (type) {
    case HIL_CMD_HELLO: return cmd_hello;
    case HIL_CMD_INFO: return cmd_info;
    case HIL_CMD_ECHO: return cmd_echo;
    case HIL_CMD_RESET: return cmd_reset;
    case HIL_CMD_SINK: return cmd_sink;
    case HIL_CMD_SOURCE: return cmd_source;
    case HIL_CMD_SPIN: return cmd_spin;
    case HIL_CMD_MODEL_BEGIN: return hil_cmd_model_begin;
    case HIL_CMD_MODEL_CHUNK: return hil_cmd_model_chunk;
    case HIL_CMD_MODEL_END: return hil_cmd_model_end;
    case HIL_CMD_MODEL_INFO: return hil_cmd_model_info;
    case HIL_CMD_SLOT_LOAD: return hil_cmd_slot_load;
    case HIL_CMD_INVOKE: return hil_cmd_invoke;
    case HIL_CMD_PROFILE: return hil_cmd_profile;
    case HIL_CMD_INPUT_WRITE: return hil_cmd_input_write;
    case HIL_CMD_INVOKE_STAGED: return hil_cmd_invoke_staged;
    case HIL_CMD_OUTPUT_READ: return hil_cmd_output_read;
    case HIL_CMD_STREAM_BEGIN: return hil_cmd_stream_begin;
    case HIL_CMD_STREAM_HOPS: return hil_cmd_stream_hops;
    default: return NULL;
    }
}

void hil_command_after_reply(const hil_request_t *req, hil_status_t status)
{
    if (req->type == HIL_CMD_RESET && status == HIL_OK) {
        hal_system_reset(HIL_RESET_SOFTWARE);
    }
}
