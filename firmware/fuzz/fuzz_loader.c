/* libFuzzer target for the model loader and interpreter (built with ASan/UBSan).
 * The input is a .hilm blob; its CRC is fixed up first so that mutations reach
 * the structural checks instead of stopping at the checksum. Whatever loads is
 * then run once on zero input, so a check that lets a bad offset through shows
 * up as an out-of-bounds access. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hil/crc32.h"
#include "hil/hal.h"
#include "hil/model.h"
#include "hil/runtime.h"

#define REGION_BYTES (64u * 1024u)
#define ARENA_BYTES (16u * 1024u)

uint32_t hal_cycles(void) { return 0; }

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
    if (hil_runtime_load(blob, size, arena, ARENA_BYTES) == HIL_OK) {
        static uint8_t in[4096], out[4096];
        size_t out_len;
        uint32_t cycles;
        for (size_t n = 0; n <= 2048; n += 1) { /* find the input size the model wants */
            hil_status_t st = hil_runtime_invoke(in, n, 0, out, sizeof(out), &out_len, &cycles);
            if (st != HIL_ERR_BAD_ARG) {
                break;
            }
        }
    }
    hil_runtime_unload();
    free(arena);
    free(blob);
    return 0;
}
