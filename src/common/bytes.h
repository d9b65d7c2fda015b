/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unaligned little/big-endian loads and stores.  Wire formats are parsed
 * from byte buffers with these, never by casting a peer's bytes to a struct:
 * no alignment traps, no padding surprises, and the endianness is explicit.
 */
#ifndef CVG_COMMON_BYTES_H
#define CVG_COMMON_BYTES_H

#include <stdint.h>
#include <string.h>

static inline uint16_t cvg_get_le16(const void *p)
{
    const uint8_t *b = p;
    return (uint16_t)(b[0] | (b[1] << 8));
}

static inline uint32_t cvg_get_le32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) |
           ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

static inline uint64_t cvg_get_le64(const void *p)
{
    const uint8_t *b = p;
    return (uint64_t)cvg_get_le32(b) | ((uint64_t)cvg_get_le32(b + 4) << 32);
}

static inline uint16_t cvg_get_be16(const void *p)
{
    const uint8_t *b = p;
    return (uint16_t)((b[0] << 8) | b[1]);
}

static inline uint32_t cvg_get_be32(const void *p)
{
    const uint8_t *b = p;
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
           ((uint32_t)b[2] << 8) | (uint32_t)b[3];
}

static inline uint64_t cvg_get_be64(const void *p)
{
    const uint8_t *b = p;
    return ((uint64_t)cvg_get_be32(b) << 32) | (uint64_t)cvg_get_be32(b + 4);
}

static inline void cvg_put_le16(void *p, uint16_t v)
{
    uint8_t *b = p;
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}

static inline void cvg_put_le32(void *p, uint32_t v)
{
    uint8_t *b = p;
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
}

static inline void cvg_put_le64(void *p, uint64_t v)
{
    cvg_put_le32(p, (uint32_t)v);
    cvg_put_le32((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

static inline void cvg_put_be16(void *p, uint16_t v)
{
    uint8_t *b = p;
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static inline void cvg_put_be32(void *p, uint32_t v)
{
    uint8_t *b = p;
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

static inline void cvg_put_be64(void *p, uint64_t v)
{
    cvg_put_be32(p, (uint32_t)(v >> 32));
    cvg_put_be32((uint8_t *)p + 4, (uint32_t)v);
}

/* Bytes of zero padding that bring len up to a multiple of 8. */
static inline uint32_t cvg_pad8(uint64_t len)
{
    return (uint32_t)((8 - (len & 7)) & 7);
}

#endif
