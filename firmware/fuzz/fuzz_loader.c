/* libFuzzer target for the model loader and interpreter (built with ASan/UBSan).
 * The input is a .hilm blob; its CRC is fixed up first so that mutations reach
 * the structural checks instead of stopping at the checksum. Whatever loads is
 * then run once on zero input, so a check that lets a bad offset through shows
 * up as an out-of-bounds access.
 *
 * HIL_FUZZ_TRACE=1 prints on stdout "load status=<hil_status_t>" and, for a
 * blob that loads, "invoke input=<bytes> status=<hil_status_t> output=<bytes>":
 * tests/test_fuzz.py checks with it that every committed seed loads and runs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hil/crc32.h"
#include "hil/hal.h"
#include "hil/model.h"
#include "hil/runtime.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HIL_CRC_START || size > REGION_BYTES) {
        return 0;
    }
    /* Exact-size heap copies: ASan flags any read past the blob or the arena. */
    uint8_t *blob = malloc(size);
    uint8_t *arena = malloc(ARENA_BYTES);
    memcpy(blob, data, size);
    uint32_t crc = hil_crc32(0, blob + HIL_CRC_START, size - HIL_CRC_START);
    memcpy(blob + 12, &crc, 4);
    if (trace < 0) {
        trace = getenv("HIL_FUZZ_TRACE") != NULL;
    }
    hil_status_t st = hil_runtime_load(blob, size, arena, ARENA_BYTES);
    if (trace) {
        printf("load status=%d\n", (int)st);
        fflush(stdout);
    }
    if (st == HIL_OK) {
        invoke_once();
    }
    hil_runtime_unload();
    free(arena);
    free(blob);
    return 0;
}
