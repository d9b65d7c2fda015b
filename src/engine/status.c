/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/clock.h"
#include "engine/status.h"

void cvg_status_init(struct cvg_status *st, uint32_t domid, uint32_t downtime_limit_ms)
{
    const char *dir = getenv(CVG_STATUS_ENV);

    st->enabled = false;
    st->last_ms = 0;
    st->downtime_limit_ms = downtime_limit_ms;
    if (!dir || !*dir)
        dir = CVG_STATUS_DEFAULT_DIR;
    if (mkdir(dir, 0755) && errno != EEXIST)
        return;
    snprintf(st->path, sizeof(st->path), "%s/migrate-%u.json", dir, domid);
    st->enabled = true;
}

int64_t cvg_status_eta_ms(const struct cvg_mig_stats *s, uint32_t downtime_limit_ms)
{
    double bw = (double)s->bandwidth_bps;
    double dirty_bps = (double)s->dirty_rate_pps * CVG_MIG_PAGE_SIZE;
    double remaining = (double)s->dirty_pages * CVG_MIG_PAGE_SIZE;
    double target = bw * downtime_limit_ms / 1000.0;

    if (s->pass == 0) {
        /* First pass: what is left of it, then the dirty set it leaves. */
        remaining = (double)(s->pass_pages_total - s->pass_pages_sent) * CVG_MIG_PAGE_SIZE;
        target = 0;
    }
    if (bw <= 0)
        return -1;
    if (remaining <= target)
        return 0;
    if (s->pass > 0 && dirty_bps >= bw)
        return -1;
    /* Each pass shrinks the set by the ratio of dirtying to sending. */
    return (int64_t)((remaining - target) / (bw - (s->pass ? dirty_bps : 0)) * 1000.0);
}

void cvg_status_publish(struct cvg_status *st, const struct cvg_mig_stats *s,
                        const char *phase, bool force)
{
    char tmp[4200];
    uint64_t now = cvg_now_ms();
    uint64_t dt_ms = s->bandwidth_bps ?
        s->dirty_pages * CVG_MIG_PAGE_SIZE * 1000 / s->bandwidth_bps : 0;
    FILE *f;

    if (!st->enabled || (!force && now - st->last_ms < CVG_STATUS_MIN_INTERVAL_MS))
        return;
    st->last_ms = now;
    snprintf(tmp, sizeof(tmp), "%s.tmp", st->path);
    f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "{\"phase\": \"%s\", \"elapsed_ms\": %" PRIu64 ", \"pass\": %u, "
            "\"memory_bytes\": %" PRIu64 ", \"bytes_sent\": %" PRIu64 ", "
            "\"pass_pages_sent\": %" PRIu64 ", \"pass_pages_total\": %" PRIu64 ", "
            "\"remaining_bytes\": %" PRIu64 ", \"dirty_rate_bps\": %" PRIu64 ", "
            "\"bandwidth_bps\": %" PRIu64 ", \"throttle_pct\": %u, "
            "\"expected_downtime_ms\": %" PRIu64 ", \"downtime_limit_ms\": %u, "
            "\"eta_ms\": %" PRId64 "}\n",
            phase, s->now_ms, s->pass, s->memory_bytes, s->bytes_sent,
            s->pass_pages_sent, s->pass_pages_total,
            s->dirty_pages * CVG_MIG_PAGE_SIZE, s->dirty_rate_pps * CVG_MIG_PAGE_SIZE,
            s->bandwidth_bps, s->throttle_pct, dt_ms, st->downtime_limit_ms,
            cvg_status_eta_ms(s, st->downtime_limit_ms));
    if (fclose(f) == 0)
        rename(tmp, st->path);
    else
        unlink(tmp);
}

void cvg_status_remove(struct cvg_status *st)
{
    if (st->enabled)
        unlink(st->path);
}
