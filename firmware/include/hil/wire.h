/* Little-endian fields of frames and command payloads (hil/proto.h): the one
 * set of byte-order helpers for the runtime, the link and the commands. */
#ifndef HIL_WIRE_H
#define HIL_WIRE_H

#include <stdint.h>

/* The u16 at p[0..1], least significant byte first; p need not be aligned. */
static inline uint16_t hil_wire_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

/* The u32 at p[0..3], least significant byte first; p need not be aligned. */
static inline uint32_t hil_wire_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Writes v to p[0..1] least significant byte first; returns p + 2. */
static inline uint8_t *hil_wire_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    return p + 2;
}

/* Writes v to p[0..3] least significant byte first; returns p + 4. */
static inline uint8_t *hil_wire_put_u32(uint8_t *p, uint32_t v)
{
    hil_wire_put_u16(p, (uint16_t)v);
    hil_wire_put_u16(p + 2, (uint16_t)(v >> 16));
    return p + 4;
}

#endif
