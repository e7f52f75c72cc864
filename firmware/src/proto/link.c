#include "hil/link.h"

#include <string.h>

#include "hil/crc32.h"
#include "hil/hal.h"
#include "hil/wire.h"

static void serial_sink(void *ctx, const uint8_t *bytes, size_t len)
{
    (void)ctx;
    hal_serial_write(bytes, len);
}

/* Finish the frame in buf (header + payload already there) and send it. */
static void send_frame(uint8_t *buf, size_t payload_len)
{
    size_t n = HIL_HEADER_BYTES + payload_len;
    hil_wire_put_u32(buf + n, hil_crc32(0, buf, n));
    static const uint8_t delimiter = 0u;
    hil_cobs_encode(buf, n + HIL_CRC_BYTES, serial_sink, NULL);
    hal_serial_write(&delimiter, 1);
}

static void set_header(uint8_t *buf, uint8_t type, hil_status_t status, uint16_t seq)
{
    buf[0] = type;
    buf[1] = (uint8_t)status;
    hil_wire_put_u16(buf + 2, seq);
}

/* Errors about a frame we could not read: no seq to echo, no reply saved. */
static void send_frame_error(hil_link_t *link, hil_status_t status)
{
    uint8_t buf[HIL_HEADER_BYTES + HIL_CRC_BYTES];
    (void)link;
    set_header(buf, HIL_TYPE_REPLY | HIL_CMD_NONE, status, HIL_SEQ_NONE);
    send_frame(buf, 0);
}

void hil_link_init(hil_link_t *link)
{
    memset(link, 0, sizeof(*link));
}

void hil_link_send_event(hil_link_t *link, uint8_t event, const uint8_t *payload, size_t len)
{
    if (len > HIL_MAX_PAYLOAD) {
        len = HIL_MAX_PAYLOAD;
    }
    /* The saved reply buffer is reused: an event is never a retry target. */
    link->have_last = 0;
    set_header(link->reply, (uint8_t)(HIL_TYPE_EVENT | event), HIL_OK, HIL_SEQ_NONE);
    memcpy(link->reply + HIL_HEADER_BYTES, payload, len);
    send_frame(link->reply, len);
}

/* A frame whose type is no request type is answered as HIL_CMD_NONE: no reply
 * may carry an event's type (proto.h). */
static uint8_t reply_type(uint8_t request_type)
{
    if (request_type >= HIL_TYPE_REQUEST_LIMIT) {
        return (uint8_t)(HIL_TYPE_REPLY | HIL_CMD_NONE);
    }
    return (uint8_t)(request_type | HIL_TYPE_REPLY);
}

static void dispatch(hil_link_t *link, const hil_request_t *req)
{
    if (link->have_last && req->seq == link->last_seq && req->type == link->last_type &&
        req->type != HIL_CMD_HELLO) {
        link->stats.duplicate_requests++;
        send_frame(link->reply, link->reply_len);
        return;
    }
    size_t out_len = 0;
    hil_status_t status;
    hil_handler_t handler = hil_command_handler(req->type);
    if (handler == NULL) {
        link->stats.unknown_cmds++;
        status = HIL_ERR_UNKNOWN_CMD;
    } else {
        status = handler(link, req, link->reply + HIL_HEADER_BYTES, &out_len);
        if (out_len > HIL_MAX_PAYLOAD) {
            out_len = HIL_MAX_PAYLOAD;
        }
    }
    set_header(link->reply, reply_type(req->type), status, req->seq);
    link->reply_len = out_len;
    link->have_last = 1;
    link->last_seq = req->seq;
    link->last_type = req->type;
    send_frame(link->reply, out_len);
    hil_command_after_reply(req, status);
}

static void handle_frame(hil_link_t *link)
{
    int n = hil_cobs_decode(link->rx, link->rx_len);
    if (n < (int)(HIL_HEADER_BYTES + HIL_CRC_BYTES)) {
        link->stats.frame_errors++;
        send_frame_error(link, HIL_ERR_FRAME);
        return;
    }
    if ((size_t)n > HIL_MAX_FRAME) {
        link->stats.too_long_errors++;
        send_frame_error(link, HIL_ERR_TOO_LONG);
        return;
    }
    size_t body = (size_t)n - HIL_CRC_BYTES;
    if (hil_crc32(0, link->rx, body) != hil_wire_get_u32(link->rx + body)) {
        link->stats.crc_errors++;
        send_frame_error(link, HIL_ERR_CRC);
        return;
    }
    link->stats.frames_ok++;
    hil_request_t req = {
        .type = link->rx[0],
        .seq = (uint16_t)(link->rx[2] | (link->rx[3] << 8)),
        .payload = link->rx + HIL_HEADER_BYTES,
        .len = body - HIL_HEADER_BYTES,
    };
    dispatch(link, &req);
}

void hil_link_feed(hil_link_t *link, uint8_t byte)
{
    if (byte != 0u) {
        if (link->rx_len < sizeof(link->rx)) {
            link->rx[link->rx_len++] = byte;
        } else {
            link->rx_overflow = 1;
        }
        return;
    }
    if (link->rx_overflow) {
        link->stats.too_long_errors++;
        send_frame_error(link, HIL_ERR_TOO_LONG);
    } else if (link->rx_len > 0u) {
        handle_frame(link);
    }
    link->rx_len = 0;
    link->rx_overflow = 0;
}
