/* Model upload in chunks into the HAL's model region, then hand-over to the
 * runtime. Chunks must arrive in order; a retried chunk is answered from the
 * link's saved reply, so it is never written twice. The flash slot's model
 * (slot.c) is installed through the same hil_model_install. */
#include <string.h>

#include "handlers.h"
#include "hil/hal.h"
#include "hil/runtime.h"
#include "hil/wire.h"

typedef enum { MODEL_NONE = 0, MODEL_UPLOADING = 1, MODEL_LOADED = 2, MODEL_REJECTED = 3 } model_state_t;

static struct {
    model_state_t state;
    uint32_t size;
    uint32_t crc;
    uint32_t received;
    uint8_t in_flash; /* the blob is the slot's, read in place; else it is in the model region */
} model;

/* Arenas start on an 8-byte boundary after the blob. */
static size_t blob_span(uint32_t size)
{
    return ((size_t)size + 7u) & ~(size_t)7u;
}

hil_status_t hil_cmd_model_begin(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    uint8_t *region;
    size_t region_bytes;
    hal_model_region(&region, &region_bytes);
    hil_wire_put_u32(out, (uint32_t)region_bytes);
    *out_len = 4;
    if (req->len != 8u) {
        return HIL_ERR_BAD_ARG;
    }
    uint32_t size = hil_wire_get_u32(req->payload);
    if (size == 0u) {
        return HIL_ERR_BAD_ARG;
    }
    if (size > region_bytes) {
        return HIL_ERR_NO_SPACE;
    }
    hil_runtime_unload();
    model.state = MODEL_UPLOADING;
    model.size = size;
    model.crc = hil_wire_get_u32(req->payload + 4);
    model.received = 0;
    return HIL_OK;
}

hil_status_t hil_cmd_model_chunk(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    hil_wire_put_u32(out, model.received);
    *out_len = 4;
    if (model.state != MODEL_UPLOADING) {
        return HIL_ERR_STATE;
    }
    if (req->len < 4u) {
        return HIL_ERR_BAD_ARG;
    }
    uint32_t offset = hil_wire_get_u32(req->payload);
    uint32_t n = (uint32_t)(req->len - 4u);
    if (offset != model.received) {
        return HIL_ERR_STATE; /* the reply says where to resume */
    }
    if (n > model.size - model.received) {
        return HIL_ERR_BAD_ARG;
    }
    uint8_t *region;
    size_t region_bytes;
    hal_model_region(&region, &region_bytes);
    memcpy(region + offset, req->payload + 4, n);
    model.received += n;
    hil_wire_put_u32(out, model.received);
    return HIL_OK;
}

hil_status_t hil_cmd_model_end(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    (void)req;
    *out_len = 0;
    if (model.state != MODEL_UPLOADING || model.received != model.size) {
        return HIL_ERR_STATE;
    }
    uint8_t *region;
    size_t region_bytes;
    hal_model_region(&region, &region_bytes);
    uint32_t crc = 0;
    hil_status_t st = hil_model_install(region, model.size, model.crc, 0, &crc);
    hil_wire_put_u32(out, crc);
    *out_len = 4;
    return st;
}

hil_status_t hil_model_install(const uint8_t *blob, uint32_t size, uint32_t crc, int in_flash, uint32_t *crc_seen)
{
    uint8_t *region;
    size_t region_bytes;
    hal_model_region(&region, &region_bytes);
    size_t span = in_flash ? 0u : blob_span(size); /* a blob in RAM sits before its arena */
    size_t arena_bytes = span < region_bytes ? region_bytes - span : 0u;
    hil_status_t st = hil_runtime_load_image(blob, size, crc, region + span, arena_bytes, crc_seen);
    model.state = st == HIL_OK ? MODEL_LOADED : MODEL_REJECTED;
    model.size = size;
    model.crc = crc;
    model.received = size;
    model.in_flash = (uint8_t)(in_flash != 0);
    return st;
}

hil_status_t hil_cmd_model_info(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    (void)req;
    uint8_t *p = out;
    *p++ = (uint8_t)model.state;
    p = hil_wire_put_u32(p, model.size);
    p = hil_wire_put_u32(p, model.crc);
    p = hil_wire_put_u32(p, model.received);
    *p++ = model.in_flash;
    p = hil_slot_put_info(p);
    *out_len = (size_t)(p - out);
    return HIL_OK;
}

hil_status_t hil_cmd_invoke(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    *out_len = 0;
    if (model.state != MODEL_LOADED) {
        return HIL_ERR_NO_MODEL;
    }
    if (req->len < 1u) {
        return HIL_ERR_BAD_ARG;
    }
    uint32_t cycles = 0;
    size_t n = 0;
    /* payload: u8 flags, then the input bytes */
    hil_status_t st = hil_runtime_invoke(req->payload + 1, req->len - 1u, req->payload[0], out + 4,
                                         HIL_MAX_PAYLOAD - 4u, &n, &cycles);
    hil_wire_put_u32(out, cycles);
    *out_len = st == HIL_OK ? 4u + n : 4u;
    return st;
}

hil_status_t hil_cmd_profile(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    (void)req;
    *out_len = 0;
    if (model.state != MODEL_LOADED) {
        return HIL_ERR_NO_MODEL;
    }
    return hil_runtime_profile(out, HIL_MAX_PAYLOAD, out_len);
}
