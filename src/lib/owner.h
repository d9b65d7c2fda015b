/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A domain's dirty-limit owner: the one process per domain that uses
 * log-dirty outside migrations, measures per-vCPU dirty rates (dlc.h) and
 * holds per-vCPU dirty limits through the scheduler (levers.h).  Run by
 * converge-limitd, which libxenconverge starts on demand.
 *
 * Lifetime.  One owner per domain: a lock file (flock) proves it; a second
 * one started for the same domain says who holds it and exits.  It serves
 * its socket (owner_proto.h) and ends when nothing is left to do (no
 * limit, no measurement, no client) or when the domain goes away, on
 * SIGTERM too.  Before its first change to the domain it starts a
 * guardian (guardian/guard.h) and records every original value with it:
 * if the owner is killed, SIGKILL included, the guardian puts the
 * scheduler settings and log-dirty back at once.
 *
 * Migrations.  A migration needs log-dirty to itself: converge-helper asks
 * the owner to hand the domain over (HANDOVER, from engine/status.c) before
 * it starts.  The owner then puts everything back, switches log-dirty off,
 * answers, and waits for that helper process to end; its limits are
 * suspended meanwhile (listed as such) and new ones refused, so that the
 * migration's own throttle is the only one.  When the helper ends and the
 * domain still runs here (a failed or cancelled migration), the limits
 * come back; when the domain is gone (migrated), the owner ends.  An owner
 * will not start while a migration of the domain runs, nor when log-dirty
 * is already on (something else uses it).
 */
#ifndef CVG_LIB_OWNER_H
#define CVG_LIB_OWNER_H

#include <stdbool.h>
#include <stdint.h>

#define CVG_OWNER_WINDOW_MS 100u        /* one measurement window */
#define CVG_OWNER_LINGER_MS 3000u       /* idle, no client: then end */
#define CVG_OWNER_CLIENTS 32u

/* Log levels: xentoollog's numbers. */
#define CVG_OWNER_LOG_DEBUG 1
#define CVG_OWNER_LOG_INFO 5
#define CVG_OWNER_LOG_WARN 7
#define CVG_OWNER_LOG_ERROR 8

struct cvg_owner_cfg {
    uint32_t domid;
    const char *sim_socket;     /* NULL: Xen */
    uint32_t window_ms;         /* 0: CVG_OWNER_WINDOW_MS */
    uint32_t linger_ms;         /* 0: CVG_OWNER_LINGER_MS */
    void (*log)(void *opaque, int level, const char *text);
    void *opaque;
    volatile int *stop;         /* set by a signal handler: end cleanly */
    bool trace;                 /* log every window (debug level) */
};

/*
 * Runs the owner until it ends; returns the process's exit status.  Once
 * it is ready to serve (or failed to become so), one line goes to
 * ready_fd (then closed; -1: none): "0 PID\n", or "-ERRNO message\n".
 */
int cvg_owner_run(const struct cvg_owner_cfg *cfg, int ready_fd);

#endif
