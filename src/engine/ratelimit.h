/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bandwidth cap for the stream, like QEMU's max-bandwidth: after each write
 * the sender sleeps just long enough that the bytes sent since the start
 * never run ahead of rate x elapsed time by more than one burst.
 */
#ifndef CVG_ENGINE_RATELIMIT_H
#define CVG_ENGINE_RATELIMIT_H

#include <stdint.h>

struct cvg_ratelimit {
    uint64_t rate_bps;          /* 0: unlimited */
    uint64_t start_ns;
    uint64_t sent;
};

void cvg_ratelimit_init(struct cvg_ratelimit *rl, uint64_t rate_bps, uint64_t now_ns);
/* Nanoseconds to wait after `bytes` more were sent at now_ns (0: none). */
uint64_t cvg_ratelimit_account(struct cvg_ratelimit *rl, uint64_t bytes,
                               uint64_t now_ns);
/* Accounts and sleeps; a signal ends the sleep early. */
void cvg_ratelimit_wait(struct cvg_ratelimit *rl, uint64_t bytes);

#endif
