/* What the harnesses do to a blob or a slot image before the firmware sees it:
 * fix up its CRC-32s, so that mutations reach the structural checks instead of
 * stopping at a checksum. */
#ifndef HIL_FUZZ_FIXUP_H
#define HIL_FUZZ_FIXUP_H

#include <stdint.h>
#include <string.h>

#include "hil/crc32.h"
#include "hil/model.h"
#include "hil/slot.h"

/* The blob's own CRC (hil_model_header_t.crc32, over bytes [16, n)). */
static void fuzz_fix_blob(uint8_t *blob, size_t n)
{
    if (n >= HIL_CRC_START) {
        uint32_t crc = hil_crc32(0, blob + HIL_CRC_START, n - HIL_CRC_START);
        memcpy(blob + 12, &crc, 4);
    }
}

/* A slot image's blob CRC and its header's CRC of the blob, when the header is
 * a slot header whose blob lies inside the n bytes. */
static void fuzz_fix_slot(uint8_t *slot, size_t n)
{
    hil_slot_header_t h;
    if (n < sizeof(h)) {
        return;
    }
    memcpy(&h, slot, sizeof(h));
    if (h.magic != HIL_SLOT_MAGIC || h.blob_bytes > n - sizeof(h)) {
        return;
    }
    fuzz_fix_blob(slot + sizeof(h), h.blob_bytes);
    h.blob_crc32 = hil_crc32(0, slot + sizeof(h), h.blob_bytes);
    memcpy(slot, &h, sizeof(h));
}

#endif
