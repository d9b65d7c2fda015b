/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Live statistics of a running save, published where other tools can read
 * them while it runs (`info migrate`, sim-migrate's progress line): one
 * small JSON file per domain, $XENCONVERGE_STATUS_DIR/migrate-<domid>.json
 * (default /run/xen-converge), rewritten by rename() so a reader always
 * sees a whole one, at most every 200 ms, and removed at the end.
 */
#ifndef CVG_ENGINE_STATUS_H
#define CVG_ENGINE_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/stats.h"

#define CVG_STATUS_ENV "XENCONVERGE_STATUS_DIR"
#define CVG_STATUS_DEFAULT_DIR "/run/xen-converge"
#define CVG_STATUS_MIN_INTERVAL_MS 200

struct cvg_status {
    char path[4096];
    bool enabled;
    uint64_t last_ms;
    uint32_t downtime_limit_ms;
};

/* Enabled when the directory exists or can be made; never fatal. */
void cvg_status_init(struct cvg_status *st, uint32_t domid, uint32_t downtime_limit_ms);
/* force: write even within the interval (pass ends, the final state). */
void cvg_status_publish(struct cvg_status *st, const struct cvg_mig_stats *s,
                        const char *phase, bool force);
void cvg_status_remove(struct cvg_status *st);

/* Seconds to convergence at the current rates, -1 when it does not converge. */
int64_t cvg_status_eta_ms(const struct cvg_mig_stats *s, uint32_t downtime_limit_ms);

#endif
