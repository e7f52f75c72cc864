/* libFuzzer target for the board's frame receiver and command dispatcher.
 *
 * The first input byte picks a mode:
 *   even: the rest is fed to the receiver as raw wire bytes;
 *   odd:  the rest is cut into requests (u8 type, u8 len, len bytes; len 255
 *         means a u16 length follows, so STREAM_HOPS' 320-byte hops fit) that
 *         are sent as valid frames (correct COBS and CRC), so the fuzzer
 *         reaches every command handler, model upload and streaming included;
 *   odd with bit 1 set: first a u16 length and that many bytes of the model
 *         slot's image (its CRCs fixed up, fixup.h), then the requests.
 * Every input boots the board with its slot (blank unless the input gives
 * one), as does a reset.
 * Every byte the firmware sends back must decode into a reply frame (type
 * 0x80..0xBF, never an event's) with a valid CRC; anything else aborts. A
 * RESET request jumps back here like a reboot.
 *
 * HIL_FUZZ_TRACE=1 prints on stdout one line per request sent ("request
 * type=0x11 seq=1 len=4100"), per reply ("reply type=0x91 status=0 seq=1
 * len=4 head=<first 8 payload bytes in hex>") and per reset ("reset"):
 * tests/test_fuzz.py checks with it that every committed seed reaches the
 * state it is made for (tests/fuzz/firmware_seeds.py). */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixup.h"
#include "hil/crc32.h"
#include "hil/hal.h"
#include "hil/link.h"
#include "hil/runtime.h"

static jmp_buf reset_point;
static uint8_t model_region[8192] __attribute__((aligned(8)));
static uint8_t model_slot[8192] __attribute__((aligned(8)));
static uint8_t out_frame[HIL_LINK_RX_CAPACITY + 1];
static size_t out_len;
static const hal_board_info_t info = {.board_id = "fuzz", .counter = HIL_COUNTER_NONE};

static int trace = -1; /* HIL_FUZZ_TRACE set; -1: not looked up yet */

static int tracing(void)
{
    if (trace < 0) {
        trace = getenv("HIL_FUZZ_TRACE") != NULL;
    }
    return trace;
}

void hal_init(void) {}
const hal_board_info_t *hal_board_info(void) { return &info; }
int hal_serial_getc(void) { return -1; }
void hal_idle(void) {}
uint32_t hal_cycles(void) { return 0; }
void hal_system_reset(hil_reset_cause_t cause)
{
    (void)cause;
    if (tracing()) {
        printf("reset\n");
        fflush(stdout);
    }
    longjmp(reset_point, 1);
}

void hal_model_region(uint8_t **base, size_t *size)
{
    *base = model_region;
    *size = sizeof(model_region);
}

void hal_model_slot(const uint8_t **base, size_t *size)
{
    *base = model_slot;
    *size = sizeof(model_slot);
}

/* HIL_FUZZ_BREAK_REPLIES=1 damages every reply before the check: the
 * suite uses it to prove the check can fail. */
static int break_replies = -1;

static void trace_reply(size_t body)
{
    size_t len = body - HIL_HEADER_BYTES;
    printf("reply type=0x%02x status=%u seq=%u len=%zu head=", out_frame[0], out_frame[1],
           (unsigned)(out_frame[2] | (out_frame[3] << 8)), len);
    for (size_t i = 0; i < len && i < 8u; i++) {
        printf("%02x", out_frame[HIL_HEADER_BYTES + i]);
    }
    printf("\n");
    fflush(stdout);
}

static void check_reply(void)
{
    if (break_replies < 0) {
        break_replies = getenv("HIL_FUZZ_BREAK_REPLIES") != NULL;
    }
    if (break_replies && out_len > 2u) {
        out_frame[1] ^= 0x01u;
        if (out_frame[1] == 0u) {
            out_frame[1] = 0x02u;
        }
    }
    int n = hil_cobs_decode(out_frame, out_len);
    if (n < (int)(HIL_HEADER_BYTES + HIL_CRC_BYTES) || n > (int)HIL_MAX_FRAME) {
        abort();
    }
    size_t body = (size_t)n - HIL_CRC_BYTES;
    uint32_t crc = (uint32_t)out_frame[body] | ((uint32_t)out_frame[body + 1] << 8) |
                   ((uint32_t)out_frame[body + 2] << 16) | ((uint32_t)out_frame[body + 3] << 24);
    if (crc != hil_crc32(0, out_frame, body) || (out_frame[0] & HIL_TYPE_EVENT) != HIL_TYPE_REPLY) {
        abort();
    }
    if (tracing()) {
        trace_reply(body);
    }
}

void hal_serial_write(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == 0u) {
            check_reply();
            out_len = 0;
        } else if (out_len < sizeof(out_frame)) {
            out_frame[out_len++] = buf[i];
        } else {
            abort(); /* a reply longer than any legal frame */
        }
    }
}

static hil_link_t link;

static void feed_sink(void *ctx, const uint8_t *bytes, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++) {
        hil_link_feed(&link, bytes[i]);
    }
}

static void send_request(uint8_t type, uint16_t seq, const uint8_t *payload, size_t len)
{
    static uint8_t frame[HIL_MAX_FRAME];
    if (tracing()) {
        printf("request type=0x%02x seq=%u len=%zu\n", type, (unsigned)seq, len);
        fflush(stdout);
    }
    frame[0] = type;
    frame[1] = 0;
    frame[2] = (uint8_t)seq;
    frame[3] = (uint8_t)(seq >> 8);
    memcpy(frame + HIL_HEADER_BYTES, payload, len);
    uint32_t crc = hil_crc32(0, frame, HIL_HEADER_BYTES + len);
    memcpy(frame + HIL_HEADER_BYTES + len, &crc, 4); /* little-endian host */
    hil_cobs_encode(frame, HIL_HEADER_BYTES + len + HIL_CRC_BYTES, feed_sink, NULL);
    hil_link_feed(&link, 0);
}

/* The slot image at data[1..]: u16 length, then the bytes; returns where the requests start. */
static size_t take_slot(const uint8_t *data, size_t size)
{
    if (size < 3u) {
        return size;
    }
    size_t n = (size_t)data[1] | ((size_t)data[2] << 8);
    if (n > size - 3u) {
        n = size - 3u;
    }
    if (n > sizeof(model_slot)) {
        n = sizeof(model_slot);
    }
    memcpy(model_slot, data + 3, n);
    fuzz_fix_slot(model_slot, n);
    return 3u + n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0u) {
        return 0;
    }
    volatile size_t pos = 1;
    volatile uint16_t seq = 0;
    hil_runtime_unload(); /* a boot forgets the model it ran, which may have been the slot's */
    memset(model_slot, 0xFF, sizeof(model_slot));
    if ((data[0] & 3u) == 3u) {
        pos = take_slot(data, size);
    }
    hil_model_boot();
    hil_link_init(&link);
    out_len = 0;
    if (setjmp(reset_point) != 0) {
        hil_model_boot(); /* rebooted: carry on with the rest of the input */
        hil_link_init(&link);
    }
    if ((data[0] & 1u) == 0u) {
        while (pos < size) {
            hil_link_feed(&link, data[pos++]);
        }
        return 0;
    }
    while (pos + 2u <= size) {
        uint8_t type = data[pos];
        size_t len = data[pos + 1];
        size_t start = pos + 2u;
        if (len == 255u && start + 2u <= size) {
            len = (size_t)data[start] | ((size_t)data[start + 1] << 8);
            start += 2u;
        }
        if (len > HIL_MAX_PAYLOAD) {
            len = HIL_MAX_PAYLOAD;
        }
        if (len > size - start) {
            len = size - start;
        }
        pos = start + len;
        send_request(type, seq, data + start, len);
        seq = (uint16_t)(seq + (type & 1u)); /* even types repeat the seq: retries */
    }
    return 0;
}
