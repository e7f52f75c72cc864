/* The model slot in flash: checked once at boot (hil_model_boot) and again on
 * SLOT_LOAD, each time through hil_model_install as an upload is, so a valid
 * image becomes the current model and a blank or bad one is reported and never
 * run. MODEL_INFO and SLOT_LOAD report the last check (hil/link/slot.py). */
#include "handlers.h"
#include "hil/hal.h"
#include "hil/slot.h"
#include "hil/wire.h"

static struct {
    hil_slot_state_t state;
    hil_status_t status; /* of the last check: HIL_OK when valid */
    uint32_t blob_bytes;
    uint32_t blob_crc32;
    uint32_t check_cycles; /* hal_cycles() the last check took */
} slot;

static hil_slot_state_t state_of(hil_status_t st)
{
    if (st == HIL_OK) {
        return HIL_SLOT_VALID;
    }
    return st == HIL_ERR_NO_MODEL ? HIL_SLOT_BLANK : HIL_SLOT_BAD;
}

/* A blank slot, or one whose header is no slot header, leaves the current
 * model as it is; an image that fails its checks leaves none, as a failed
 * upload does. */
static void check_slot(void)
{
    const uint8_t *base;
    size_t bytes;
    hal_model_slot(&base, &bytes);
    uint32_t start = hal_cycles();
    slot.blob_bytes = slot.blob_crc32 = 0u;
    if (bytes == 0u) {
        slot.state = HIL_SLOT_NONE;
        slot.status = HIL_ERR_UNSUPPORTED;
        slot.check_cycles = 0u;
        return;
    }
    const hil_slot_header_t *h;
    hil_status_t st = hil_slot_image(base, bytes, &h);
    if (h != NULL) {
        slot.blob_bytes = h->blob_bytes;
        slot.blob_crc32 = h->blob_crc32;
    }
    if (st == HIL_OK) {
        uint32_t crc;
        st = hil_model_install(base + sizeof(*h), h->blob_bytes, h->blob_crc32, 1, &crc);
    }
    slot.state = state_of(st);
    slot.status = st;
    slot.check_cycles = hal_cycles() - start;
}

void hil_model_boot(void)
{
    check_slot();
}

uint8_t *hil_slot_put_info(uint8_t *p)
{
    const uint8_t *base;
    size_t bytes;
    hal_model_slot(&base, &bytes);
    *p++ = (uint8_t)slot.state;
    *p++ = (uint8_t)slot.status;
    p = hil_wire_put_u16(p, 0u);
    p = hil_wire_put_u32(p, (uint32_t)bytes);
    p = hil_wire_put_u32(p, slot.blob_bytes);
    p = hil_wire_put_u32(p, slot.blob_crc32);
    return hil_wire_put_u32(p, slot.check_cycles);
}

/* -> the slot's report; the status is the check's (OK: the slot's model is
 * now the current one). */
hil_status_t hil_cmd_slot_load(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len)
{
    (void)link;
    (void)req;
    check_slot();
    *out_len = (size_t)(hil_slot_put_info(out) - out);
    return slot.status;
}
