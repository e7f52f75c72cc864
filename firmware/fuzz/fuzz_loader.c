/* libFuzzer target for the model loader and interpreter (built with ASan/UBSan).
 * The input is a .hilm blob, or a model slot's image (hil/slot.h) when it
 * starts with the slot's magic "HILS" or with an erased (all 0xFF) slot
 * header: that takes the slot path, the slot header's check and then the
 * loader, as the board does at boot. CRCs are
 * fixed up first (fixup.h) so that mutations reach the structural checks
 * instead of stopping at a checksum. Whatever loads is then run once on zero
 * input, so a check that lets a bad offset through shows up as an
 * out-of-bounds access.
 *
 * HIL_FUZZ_TRACE=1 prints on stdout "slot status=<hil_status_t>" for a slot,
 * "load status=<hil_status_t>" and, for a blob that loads, "invoke
 * input=<bytes> status=<hil_status_t> output=<bytes>": tests/test_fuzz.py
 * checks with it that every committed seed reaches its state. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixup.h"
#include "hil/hal.h"
#include "hil/model.h"
#include "hil/runtime.h"
#include "hil/slot.h"

#define REGION_BYTES (64u * 1024u)
#define ARENA_BYTES (16u * 1024u)

uint32_t hal_cycles(void) { return 0; }

static int trace = -1; /* HIL_FUZZ_TRACE set; -1: not looked up yet */

/* Run a loaded model once on zeros; the input size it wants is found by trying. */
static void invoke_once(void)
{
    static uint8_t in[4096], out[4096];
    size_t out_len = 0;
    uint32_t cycles;
    size_t n = 0;
    hil_status_t st = HIL_ERR_BAD_ARG;
    for (; n <= 2048u && st == HIL_ERR_BAD_ARG; n++) {
        st = hil_runtime_invoke(in, n, 0, out, sizeof(out), &out_len, &cycles);
    }
    if (trace) {
        printf("invoke input=%zu status=%d output=%zu\n", n - 1u, (int)st, st == HIL_OK ? out_len : 0u);
        fflush(stdout);
    }
}

static void trace_status(const char *what, hil_status_t st)
{
    if (trace) {
        printf("%s status=%d\n", what, (int)st);
        fflush(stdout);
    }
}

/* The board's boot check of a slot (src/proto/slot.c): the header, then the
 * image as an upload's. */
static hil_status_t load_slot(uint8_t *slot, size_t size, uint8_t *arena)
{
    fuzz_fix_slot(slot, size);
    const hil_slot_header_t *h;
    hil_status_t st = hil_slot_image(slot, size, &h);
    trace_status("slot", st);
    if (st != HIL_OK) {
        return st;
    }
    uint32_t crc;
    st = hil_runtime_load_image(slot + sizeof(*h), h->blob_bytes, h->blob_crc32, arena, ARENA_BYTES, &crc);
    trace_status("load", st);
    return st;
}

static hil_status_t load_blob(uint8_t *blob, size_t size, uint8_t *arena)
{
    fuzz_fix_blob(blob, size);
    hil_status_t st = hil_runtime_load(blob, size, arena, ARENA_BYTES);
    trace_status("load", st);
    return st;
}

static int is_slot(const uint8_t *data)
{
    static const uint8_t erased[sizeof(hil_slot_header_t)] = {
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    return memcmp(data, "HILS", 4) == 0 || memcmp(data, erased, sizeof(erased)) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HIL_CRC_START || size > REGION_BYTES) {
        return 0;
    }
    if (trace < 0) {
        trace = getenv("HIL_FUZZ_TRACE") != NULL;
    }
    /* Exact-size heap copies: ASan flags any read past the blob, the slot or the arena. */
    uint8_t *image = malloc(size);
    uint8_t *arena = malloc(ARENA_BYTES);
    memcpy(image, data, size);
    hil_status_t st = is_slot(image) ? load_slot(image, size, arena) : load_blob(image, size, arena);
    if (st == HIL_OK) {
        invoke_once();
    }
    hil_runtime_unload();
    free(arena);
    free(image);
    return 0;
}
