#ifndef HIL_COBS_H
#define HIL_COBS_H

#include <stddef.h>
#include <stdint.h>

/* Worst-case encoded size of len raw bytes (without the 0x00 delimiter). */
#define HIL_COBS_MAX_ENCODED(len) ((len) + (len) / 254u + 1u)

/* Receives encoded output in pieces; ctx is passed through unchanged. */
typedef void (*hil_cobs_sink_t)(void *ctx, const uint8_t *bytes, size_t len);

/* Encode src[0..len) and hand the encoded bytes (no 0x00 among them, no
 * delimiter) to sink in order. Needs no buffer of its own. */
void hil_cobs_encode(const uint8_t *src, size_t len, hil_cobs_sink_t sink, void *ctx);

/* Decode buf[0..len) in place. Returns the decoded length, or -1 when the
 * input is not valid COBS (a 0x00 inside, or a code running past the end). */
int hil_cobs_decode(uint8_t *buf, size_t len);

#endif
