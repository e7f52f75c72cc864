/* Little-endian field access for command payloads (internal to src/). */
#ifndef HIL_WIRE_H
#define HIL_WIRE_H

#include <stdint.h>

static inline uint16_t wire_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t wire_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint8_t *wire_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    return p + 2;
}

static inline uint8_t *wire_put_u32(uint8_t *p, uint32_t v)
{
    wire_put_u16(p, (uint16_t)v);
    wire_put_u16(p + 2, (uint16_t)(v >> 16));
    return p + 4;
}

#endif
