/* The framed serial protocol shared with hil/link/protocol.py.
 *
 * On the wire every frame is COBS-encoded and ends with one 0x00 byte.
 * Decoded, a frame is (all fields little-endian):
 *
 *   u8  type     request: command code (0x00..0x3F); reply: code | HIL_TYPE_REPLY
 *                (0x80..0xBF); event: HIL_TYPE_EVENT | event code (0xC0..0xFF)
 *   u8  status   0 in requests; hil_status_t in replies and events
 *   u16 seq      chosen by the host, echoed in the reply;
 *                HIL_SEQ_NONE when the board cannot know it
 *   u8  payload[0..HIL_MAX_PAYLOAD]
 *   u32 crc      CRC-32 of every preceding byte of the frame
 *
 * A frame that fails to decode, is too long or fails its CRC is answered by an
 * error reply with type HIL_TYPE_REPLY | HIL_CMD_NONE and seq HIL_SEQ_NONE,
 * so the host can retransmit without waiting for its timeout.
 *
 * A frame whose type is no request type (HIL_TYPE_REQUEST_LIMIT and up; as
 * code | HIL_TYPE_REPLY, 0x41 and 0xC1 would both read as the BOOT event) is
 * answered like an unknown command, status HIL_ERR_UNKNOWN_CMD and the frame's
 * seq, but with type HIL_TYPE_REPLY | HIL_CMD_NONE: no reply has an event's type.
 *
 * A repeated request (same seq and type as the last one) is answered from the
 * saved reply without running it again, which makes every retry safe. */
#ifndef HIL_PROTO_H
#define HIL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "hil/status.h"

#define HIL_PROTO_VERSION_MAJOR 1u
/* 1.1: tensors over several frames; 1.2: the flash model slot; 1.3: the speech chain in STREAM_BEGIN;
 * 1.4: early exits in STREAM_BEGIN (optional exit block) and the exit taken per hop */
#define HIL_PROTO_VERSION_MINOR 4u
#define HIL_PROTO_VERSION ((HIL_PROTO_VERSION_MAJOR << 8) | HIL_PROTO_VERSION_MINOR)

#define HIL_MAX_PAYLOAD 4096u
#define HIL_HEADER_BYTES 4u
#define HIL_CRC_BYTES 4u
#define HIL_MAX_FRAME (HIL_HEADER_BYTES + HIL_MAX_PAYLOAD + HIL_CRC_BYTES)

#define HIL_SPIN_MAX 10000000u

#define HIL_TYPE_REQUEST_LIMIT 0x40u /* request types are below it */
#define HIL_TYPE_REPLY 0x80u
#define HIL_TYPE_EVENT 0xC0u
#define HIL_SEQ_NONE 0xFFFFu

typedef enum {
    HIL_CMD_NONE = 0x00,        /* used only in frame-error replies */
    HIL_CMD_HELLO = 0x01,       /* u16 host protocol version -> board info */
    HIL_CMD_INFO = 0x02,        /* -> board info + link statistics */
    HIL_CMD_ECHO = 0x03,        /* bytes -> the same bytes */
    HIL_CMD_RESET = 0x04,       /* -> empty reply, then a reset and a BOOT event */
    HIL_CMD_SINK = 0x05,        /* bytes -> u32 count (host->board throughput) */
    HIL_CMD_SOURCE = 0x06,      /* u16 n -> n pattern bytes (board->host throughput) */
    HIL_CMD_SPIN = 0x07,        /* u32 n (<= HIL_SPIN_MAX) -> u32 counter delta of an n-step loop */
    HIL_CMD_MODEL_BEGIN = 0x10, /* u32 size, u32 crc32 -> u32 region bytes */
    HIL_CMD_MODEL_CHUNK = 0x11, /* u32 offset, bytes -> u32 bytes received */
    HIL_CMD_MODEL_END = 0x12,   /* -> u32 crc32; the runtime loads the blob */
    HIL_CMD_MODEL_INFO = 0x13,  /* -> u8 state, u32 size, u32 crc32, u32 received, u8 in flash, slot report */
    HIL_CMD_SLOT_LOAD = 0x18,   /* -> slot report; the flash slot's model becomes current (src/proto/slot.c) */
    HIL_CMD_INVOKE = 0x20,      /* input tensor bytes -> u32 cycles, output bytes */
    HIL_CMD_PROFILE = 0x21,     /* -> per-operator records of the last invoke */
    HIL_CMD_INPUT_WRITE = 0x23, /* u32 offset, bytes -> u32 input bytes staged (below) */
    HIL_CMD_INVOKE_STAGED = 0x24, /* u8 flags -> u32 cycles [, output bytes] (below) */
    HIL_CMD_OUTPUT_READ = 0x25, /* u32 offset, u16 n -> n output bytes (below) */
    HIL_CMD_STREAM_BEGIN = 0x30, /* stream and chain config -> u16 max hops (hil/stream.h, src/proto/stream.c) */
    HIL_CMD_STREAM_HOPS = 0x31   /* k x hop i16 -> k x (5 u32 stage counts, hop i16) */
} hil_cmd_t;

/* Tensors larger than a frame (src/proto/tensor_io.c). INVOKE carries every
 * input in its request and every output in its reply; when either passes a
 * frame, the host stages the inputs and reads the outputs in pieces instead.
 * Offsets count bytes of the inputs (or outputs) concatenated in model order,
 * the layout INVOKE uses; each piece is a request of its own, CRC-checked and
 * answered from the saved reply when retried.
 *
 * INPUT_WRITE copies its bytes into the input tensors in the arena at offset.
 * The staged bytes are always one prefix [0, staged) of the inputs: a write
 * may start anywhere inside or at the end of it (rewriting bytes is harmless,
 * so writes are idempotent) and extends it to offset + n. A write past the
 * prefix's end is refused with HIL_ERR_STATE, one past the inputs' end with
 * HIL_ERR_BAD_ARG; the reply always holds u32 staged. The prefix empties at
 * every run (INVOKE, INVOKE_STAGED, a stream hop: a run may reuse the input
 * bytes as scratch) and at every model load.
 *
 * INVOKE_STAGED runs the model on the staged inputs when every input byte was
 * staged since the last run, and refuses with HIL_ERR_STATE (reply: u32
 * staged) after a partial write. flags: HIL_INVOKE_REFERENCE, and
 * HIL_INVOKE_REPLY_OUTPUTS to get the outputs after the cycles (HIL_ERR_BAD_ARG
 * when they do not fit a frame; then read them with OUTPUT_READ).
 *
 * OUTPUT_READ answers n <= HIL_MAX_PAYLOAD bytes of the outputs of the latest
 * run from offset: HIL_ERR_BAD_ARG past their end, HIL_ERR_STATE when the
 * latest run failed, there was none since the model was loaded, or input
 * bytes were written since (inputs and outputs may share arena bytes). */
#define HIL_INVOKE_REPLY_OUTPUTS 0x02u

typedef enum {
    HIL_EVENT_BOOT = 0x01 /* sent once after every reset; payload: u8 reset cause */
} hil_event_t;

/* Counters the receiver keeps; reported by INFO. */
typedef struct {
    uint32_t frames_ok;
    uint32_t crc_errors;
    uint32_t frame_errors;
    uint32_t too_long_errors;
    uint32_t unknown_cmds;
    uint32_t duplicate_requests;
} hil_link_stats_t;

#endif
