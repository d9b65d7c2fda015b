/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <time.h>

#include "engine/clock.h"
#include "engine/ratelimit.h"

void cvg_ratelimit_init(struct cvg_ratelimit *rl, uint64_t rate_bps, uint64_t now_ns)
{
    rl->rate_bps = rate_bps;
    rl->start_ns = now_ns;
    rl->sent = 0;
}

uint64_t cvg_ratelimit_account(struct cvg_ratelimit *rl, uint64_t bytes,
                               uint64_t now_ns)
{
    uint64_t due_ns;

    rl->sent += bytes;
    if (!rl->rate_bps)
        return 0;
    /* When the bytes sent so far are due at the configured rate. */
    due_ns = rl->start_ns +
             (uint64_t)((double)rl->sent * 1e9 / (double)rl->rate_bps);
    return due_ns > now_ns ? due_ns - now_ns : 0;
}

void cvg_ratelimit_wait(struct cvg_ratelimit *rl, uint64_t bytes)
{
    uint64_t wait = cvg_ratelimit_account(rl, bytes, cvg_now_ns());
    struct timespec ts = { (time_t)(wait / 1000000000ull), (long)(wait % 1000000000ull) };

    /* A signal (SIGTERM from libxl) cuts the sleep short so the caller can
     * look at its stop flag; the debt is paid on the next call. */
    if (wait)
        nanosleep(&ts, NULL);
}
