/* The board side of the link: a streaming frame receiver, the reply writer
 * and the command dispatcher behind them. */
#ifndef HIL_LINK_H
#define HIL_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "hil/cobs.h"
#include "hil/proto.h"

/* Encoded bytes one frame may take before its delimiter. */
#define HIL_LINK_RX_CAPACITY HIL_COBS_MAX_ENCODED(HIL_MAX_FRAME)

typedef struct {
    uint8_t rx[HIL_LINK_RX_CAPACITY]; /* encoded bytes of the frame in progress */
    size_t rx_len;
    int rx_overflow;                  /* frame passed capacity: skip to the delimiter */
    uint8_t reply[HIL_MAX_FRAME];     /* last reply, kept to answer retries */
    size_t reply_len;
    int have_last;                    /* last_seq/last_type are valid */
    uint16_t last_seq;
    uint8_t last_type;
    hil_link_stats_t stats;
} hil_link_t;

/* Reset the receiver; forget the last request. */
void hil_link_init(hil_link_t *link);

/* Check the model slot in flash once at boot, before the BOOT event: a valid
 * image becomes the current model, read in place (src/proto/slot.c). */
void hil_model_boot(void);

/* Feed one received byte; a completed frame is dispatched and answered
 * before this returns. Safe on any byte sequence. */
void hil_link_feed(hil_link_t *link, uint8_t byte);

/* Send an unsolicited event frame (e.g. HIL_EVENT_BOOT). */
void hil_link_send_event(hil_link_t *link, uint8_t event, const uint8_t *payload, size_t len);

/* A request handed to a command handler. The handler writes at most
 * HIL_MAX_PAYLOAD bytes to out, sets *out_len and returns a status. When the
 * status is not HIL_OK the reply payload is still sent (it may explain). */
typedef struct {
    uint8_t type;
    uint16_t seq;
    const uint8_t *payload;
    size_t len;
} hil_request_t;

typedef hil_status_t (*hil_handler_t)(hil_link_t *link, const hil_request_t *req,
                                      uint8_t *out, size_t *out_len);

/* The command table lives in commands.c; NULL for unknown codes. */
hil_handler_t hil_command_handler(uint8_t type);

/* Called after the reply to `req` went out (RESET uses it to reset last). */
void hil_command_after_reply(const hil_request_t *req, hil_status_t status);

#endif
