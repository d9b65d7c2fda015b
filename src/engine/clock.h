/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The engine's only clock: monotonic, so a changed wall clock cannot make a
 * migration time out or rate-limit wrongly. */
#ifndef CVG_ENGINE_CLOCK_H
#define CVG_ENGINE_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t cvg_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t cvg_now_ms(void)
{
    return cvg_now_ns() / 1000000ull;
}

#endif
