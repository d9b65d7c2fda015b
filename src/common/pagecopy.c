/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "common/pagecopy.h"

#if defined(__x86_64__) && defined(__SSE2__)
#include <emmintrin.h>

void cvg_copy_stream(void *dst, const void *src, size_t len)
{
    __m128i *d = dst;
    const __m128i *s = src;

    if ((((uintptr_t)dst | (uintptr_t)src) & 15) || (len & 63)) {
        memcpy(dst, src, len);
        return;
    }
    /* A line per iteration: the write-combining buffer leaves full. */
    for (size_t i = 0; i < len / 16; i += 4) {
        __m128i a = _mm_load_si128(s + i), b = _mm_load_si128(s + i + 1);
        __m128i c = _mm_load_si128(s + i + 2), e = _mm_load_si128(s + i + 3);

        _mm_stream_si128(d + i, a);
        _mm_stream_si128(d + i + 1, b);
        _mm_stream_si128(d + i + 2, c);
        _mm_stream_si128(d + i + 3, e);
    }
}

void cvg_stream_fence(void)
{
    _mm_sfence();
}
#else
void cvg_copy_stream(void *dst, const void *src, size_t len)
{
    memcpy(dst, src, len);
}

void cvg_stream_fence(void)
{
}
#endif
