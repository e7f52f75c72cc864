/* Model images: a blob with the size and CRC-32 it came with, from an upload
 * (MODEL_BEGIN) or from the flash slot (hil/slot.h). Both go through
 * hil_runtime_load_image, so a slot is checked exactly as an upload is. */
#include "hil/crc32.h"
#include "hil/runtime.h"
#include "hil/slot.h"

hil_status_t hil_runtime_load_image(const uint8_t *blob, size_t size, uint32_t crc, uint8_t *arena, size_t arena_size,
                                    uint32_t *crc_seen)
{
    hil_runtime_unload();
    *crc_seen = hil_crc32(0, blob, size);
    if (*crc_seen != crc) {
        return HIL_ERR_BAD_MODEL;
    }
    return hil_runtime_load(blob, size, arena, arena_size);
}

static int erased(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0xFFu) {
            return 0;
        }
    }
    return 1;
}

hil_status_t hil_slot_image(const uint8_t *slot, size_t slot_bytes, const hil_slot_header_t **header)
{
    const hil_slot_header_t *h = (const hil_slot_header_t *)(const void *)slot;
    *header = NULL;
    if (slot_bytes < sizeof(*h)) {
        return HIL_ERR_BAD_MODEL;
    }
    if (erased(slot, sizeof(*h))) {
        return HIL_ERR_NO_MODEL;
    }
    if (h->magic != HIL_SLOT_MAGIC) {
        return HIL_ERR_BAD_MODEL;
    }
    *header = h;
    return h->blob_bytes > 0u && h->blob_bytes <= slot_bytes - sizeof(*h) ? HIL_OK : HIL_ERR_BAD_MODEL;
}
