/* INPUT_WRITE / INVOKE_STAGED / OUTPUT_READ: model inputs and outputs larger
 * than a frame, carried in pieces at explicit offsets (rules in hil/proto.h).
 * The inputs are staged straight into their tensors in the arena. */
#include <string.h>

#include "handlers.h"
#include "hil/runtime.h"
#include "hil/wire.h"

/* The staged prefix [0, bytes) is valid while the model and the run count
 * stay what they were at the last write. */
static struct {
    uint32_t generation;
    uint32_t runs;
    uint32_t bytes;
} stage;

static uint32_t staged_bytes(void)
{
    if (stage.generation != hil_runtime_generation() || stage.runs != hil_runtime_runs(NULL)) {
        return 0u;
    }
    return stage.bytes;
}

/* Bytes of every input (output = 0) or output (output = 1) of the model. */
static uint32_t io_total(int output)
{
    uint32_t total = 0;
    unsigned n = hil_runtime_n_io(output);
    for (unsigned k = 0; k < n; k++) {
        uint8_t *data;
        total += hil_runtime_io(output, k, &data)->bytes;
    }
    return total;
}

/* Copy n bytes at offset of the concatenated inputs from src (output = 0), or
 * of the concatenated outputs to dst (output = 1); the caller has checked
 * offset + n against io_total(output). */
static void io_copy(int output, uint32_t offset, const uint8_t *src, uint8_t *dst, uint32_t n)
{
    unsigned count = hil_runtime_n_io(output);
    for (unsigned k = 0; k < count && n > 0u; k++) {
        uint8_t *data;
        uint32_t bytes = hil_runtime_io(output, k, &data)->bytes;
        if (offset >= bytes) {
            offset -= bytes;
            continue;
        }
        uint32_t take = bytes - offset < n ? bytes - offset : n;
        if (output) {
            memcpy(dst, data + offset, take);
            dst += take;
        } else {
            memcpy(data + offset, src, take);
            src += take;
        }
        n -= take;
        offset = 0;
    }
}

hil_status_t hil_cmd_input_write(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    uint32_t staged = staged_bytes();
    hil_wire_put_u32(out, staged);
    *out_len = 4;
    if (hil_runtime_n_io(0) == 0u) {
        return HIL_ERR_NO_MODEL;
    }
    if (req->len < 4u) {
        return HIL_ERR_BAD_ARG;
    }
    uint32_t offset = hil_wire_get_u32(req->payload);
    uint32_t n = (uint32_t)(req->len - 4u);
    if ((uint64_t)offset + n > io_total(0)) {
        return HIL_ERR_BAD_ARG;
    }
    if (offset > staged) {
        return HIL_ERR_STATE; /* a gap: the reply says where the prefix ends */
    }
    io_copy(0, offset, req->payload + 4, NULL, n);
    stage.generation = hil_runtime_generation();
    stage.runs = hil_runtime_runs(NULL);
    stage.bytes = offset + n > staged ? offset + n : staged;
    hil_wire_put_u32(out, stage.bytes);
    return HIL_OK;
}

hil_status_t hil_cmd_invoke_staged(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    *out_len = 0;
    if (hil_runtime_n_io(0) == 0u) {
        return HIL_ERR_NO_MODEL;
    }
    uint8_t flags = req->len == 1u ? req->payload[0] : 0xFFu;
    uint32_t out_bytes = io_total(1);
    int reply_outputs = (flags & HIL_INVOKE_REPLY_OUTPUTS) != 0u;
    if ((flags & ~(HIL_INVOKE_REFERENCE | HIL_INVOKE_REPLY_OUTPUTS)) != 0u ||
        (reply_outputs && out_bytes > HIL_MAX_PAYLOAD - 4u)) {
        return HIL_ERR_BAD_ARG;
    }
    uint32_t staged = staged_bytes();
    if (staged != io_total(0)) {
        hil_wire_put_u32(out, staged);
        *out_len = 4;
        return HIL_ERR_STATE;
    }
    uint32_t cycles = 0;
    hil_status_t st = hil_runtime_run(flags & HIL_INVOKE_REFERENCE, &cycles);
    hil_wire_put_u32(out, cycles);
    *out_len = 4;
    if (st == HIL_OK && reply_outputs) {
        io_copy(1, 0, NULL, out + 4, out_bytes);
        *out_len += out_bytes;
    }
    return st;
}

hil_status_t hil_cmd_output_read(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    *out_len = 0;
    if (hil_runtime_n_io(1) == 0u) {
        return HIL_ERR_NO_MODEL;
    }
    if (req->len != 6u) {
        return HIL_ERR_BAD_ARG;
    }
    uint32_t offset = hil_wire_get_u32(req->payload);
    uint32_t n = hil_wire_get_u16(req->payload + 4);
    if (n > HIL_MAX_PAYLOAD || (uint64_t)offset + n > io_total(1)) {
        return HIL_ERR_BAD_ARG;
    }
    int ok;
    hil_runtime_runs(&ok);
    if (!ok || staged_bytes() > 0u) {
        return HIL_ERR_STATE;
    }
    io_copy(1, offset, NULL, out, n);
    *out_len = n;
    return HIL_OK;
}
