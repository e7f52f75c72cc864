/* The model slot: a model image kept in flash (hal_model_slot) and run in
 * place, with only its arena in RAM.
 *
 * Layout (little-endian): hil_slot_header_t (16 bytes), then the .hilm blob
 * (hil/model.h, 8-byte aligned), then erased flash. The header carries what
 * MODEL_BEGIN carries for an upload, the blob's size and the CRC-32 of all of
 * it, so the firmware checks a slot exactly as it checks an upload
 * (hil_runtime_load_image: that CRC, then the loader's checks of the blob's
 * own header, CRC and every offset). Written by hil/link/slot.py. */
#ifndef HIL_SLOT_H
#define HIL_SLOT_H

#include <stddef.h>
#include <stdint.h>

#include "hil/status.h"

#define HIL_SLOT_MAGIC 0x534C4948u /* "HILS" */

typedef struct {
    uint32_t magic;
    uint32_t blob_bytes;
    uint32_t blob_crc32; /* zlib's CRC-32 of the whole blob */
    uint32_t reserved;   /* 0 */
} hil_slot_header_t;

/* What a slot holds; MODEL_INFO and SLOT_LOAD report it (hil/link/slot.py). */
typedef enum {
    HIL_SLOT_NONE = 0,  /* the board has no slot */
    HIL_SLOT_BLANK = 1, /* erased: its header reads all 0xFF */
    HIL_SLOT_VALID = 2, /* its image passed every check of an upload */
    HIL_SLOT_BAD = 3    /* anything else: never run */
} hil_slot_state_t;

/* Read the header of the slot [slot, slot + slot_bytes). *header is the
 * header when its magic is the slot's, else NULL. HIL_OK: the blob
 * [slot + 16, slot + 16 + blob_bytes) lies inside the slot (nothing of it is
 * read here); HIL_ERR_NO_MODEL: the header reads erased; HIL_ERR_BAD_MODEL:
 * anything else. */
hil_status_t hil_slot_image(const uint8_t *slot, size_t slot_bytes, const hil_slot_header_t **header);

#endif
