#ifndef HIL_CRC32_H
#define HIL_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32 (IEEE 802.3, reflected, as zlib.crc32). Pass crc = 0 to start, or a
 * previous result to continue over more data. */
uint32_t hil_crc32(uint32_t crc, const uint8_t *data, size_t len);

#endif
