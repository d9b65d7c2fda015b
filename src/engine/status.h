/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Live statistics of a running save, published where other tools can read
 * them while it runs (`info migrate`, sim-migrate's progress line): one
 * small JSON file per domain, $XENCONVERGE_STATUS_DIR/migrate-<domid>.json
 * (default /run/xen-converge), rewritten by rename() so a reader always
 * sees a whole one, at most every 200 ms, and removed at the end.
 *
 * The same JSON is served on a UNIX socket, migrate-<domid>.sock in the
 * hypervisor's run directory (lib/runpath.h: /run/xen-converge on Xen,
 * beside the simulator's socket otherwise), by a thread of its own: a
 * client connects and reads one JSON object, then EOF.  The socket answers
 * only while the helper lives, so it also tells that a migration of the
 * domain runs here (libxenconverge refuses dirty limits then).
 *
 * Log-dirty belongs to the migration: cvg_status_init() first asks a
 * dirty-limit owner of the domain, if there is one, to hand the domain over
 * (lib/owner_client.h) -- it puts its settings back, switches log-dirty off
 * and waits for this process to end.
 */
#ifndef CVG_ENGINE_STATUS_H
#define CVG_ENGINE_STATUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "policy/stats.h"

#define CVG_STATUS_ENV "XENCONVERGE_STATUS_DIR"
#define CVG_STATUS_DEFAULT_DIR "/run/xen-converge"
#define CVG_STATUS_MIN_INTERVAL_MS 200

#define CVG_STATUS_JSON_MAX 1024

struct cvg_status {
    char path[4096];
    bool enabled;
    uint64_t last_ms;
    uint32_t downtime_limit_ms;
    uint32_t domid;
    /* The status socket and its thread. */
    bool serving;
    int listen_fd, wake[2];
    pthread_t thread;
    pthread_mutex_t lock;
    char sock_path[108];
    char json[CVG_STATUS_JSON_MAX];
    size_t json_len;
    /* Why the dirty-limit owner's hand-over failed (empty: it did not). */
    char handover_error[512];
};

/* Enabled when the directory exists or can be made; never fatal.  Takes
 * the domain from a dirty-limit owner first (see above). */
void cvg_status_init(struct cvg_status *st, uint32_t domid, uint32_t downtime_limit_ms);
/* force: write even within the interval (pass ends, the final state). */
void cvg_status_publish(struct cvg_status *st, const struct cvg_mig_stats *s,
                        const char *phase, bool force);
/* Stops serving, removes the socket and the file.  Safe after a failed init. */
void cvg_status_remove(struct cvg_status *st);

/* Seconds to convergence at the current rates, -1 when it does not converge. */
int64_t cvg_status_eta_ms(const struct cvg_mig_stats *s, uint32_t downtime_limit_ms);

#endif
