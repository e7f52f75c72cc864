#include "hil/cobs.h"

void hil_cobs_encode(const uint8_t *src, size_t len, hil_cobs_sink_t sink, void *ctx)
{
    size_t pos = 0;
    for (;;) {
        size_t run = 0;
        while (pos + run < len && run < 254u && src[pos + run] != 0u) {
            run++;
        }
        uint8_t code = (uint8_t)(run + 1u);
        sink(ctx, &code, 1);
        if (run > 0u) {
            sink(ctx, src + pos, run);
        }
        pos += run;
        if (run == 254u) {
            if (pos == len) {
                static const uint8_t end_block = 1u;
                sink(ctx, &end_block, 1);
                return;
            }
            continue; /* a full block implies no zero */
        }
        if (pos == len) {
            return;
        }
        pos++; /* the zero this block stands for */
    }
}

int hil_cobs_decode(uint8_t *buf, size_t len)
{
    size_t in = 0;
    size_t out = 0;
    while (in < len) {
        uint8_t code = buf[in++];
        if (code == 0u || (size_t)(code - 1u) > len - in) {
            return -1;
        }
        for (size_t k = 1; k < code; k++) {
            uint8_t b = buf[in++];
            if (b == 0u) {
                return -1;
            }
            buf[out++] = b;
        }
        if (code != 0xFFu && in < len) {
            buf[out++] = 0u;
        }
    }
    return (int)out;
}
