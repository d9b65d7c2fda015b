/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dirty-limit owner's insides (owner.h), shared by its three files:
 *   owner.c         set-up, the lock, the loop, the migration's end, the end
 *   owner_window.c  log-dirty on and off, one measurement window, sessions
 *   owner_serve.c   clients: requests, replies, the hand-over
 * Single-threaded: one struct owner, touched by the loop only.
 */
#ifndef CVG_LIB_OWNER_PRIV_H
#define CVG_LIB_OWNER_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "guardian/guard.h"
#include "hv/hv.h"
#include "lib/dlc.h"
#include "lib/levers.h"
#include "lib/owner.h"
#include "lib/owner_proto.h"
#include "lib/runpath.h"

#define CVG_OWNER_PAGES_PER_MIB 256.0
#define CVG_OWNER_REPLY_TIMEOUT_MS 500u
#define CVG_OWNER_MIG_POLL_MS 200u

/* A MEASURE under way: the windows it has seen so far. */
struct session {
    uint64_t start_ms, end_ms;
    uint32_t flags;
    double dt, pages, run[CVG_DLC_MAX_VCPUS];
};

struct client {
    int fd;
    uint8_t buf[CVG_OWN_REQ_HDR + CVG_OWN_REQ_BODY_MAX];
    size_t have;
    bool pending;               /* a MEASURE under way */
    struct session s;
};

struct owner {
    const struct cvg_owner_cfg *cfg;
    uint32_t domid, nr, window_ms;
    struct cvg_hv *hv;
    struct cvg_guard *guard;
    struct cvg_levers lv;
    struct cvg_dlc *dlc;
    int lock_fd, listen_fd;
    char sock_path[CVG_RUN_PATH_MAX], lock_path[CVG_RUN_PATH_MAX];
    char mig_path[CVG_RUN_PATH_MAX];
    struct client cl[CVG_OWNER_CLIENTS];
    uint32_t limit[CVG_DLC_MAX_VCPUS];          /* MiB/s, 0: none */

    bool active;                /* log-dirty on (ours), windows running */
    bool logdirty_recorded;     /* the guardian would switch it off */
    bool warned_ld_record;
    uint64_t win_start_ms, next_tick_ms;
    uint64_t last_ns[CVG_DLC_MAX_VCPUS];

    bool dormant;               /* handed over to a migration */
    pid_t mig_pid;
    int mig_pidfd;
    uint64_t next_mig_check_ms;

    uint64_t idle_since_ms;
    bool done;
    int status;
};

void cvg_owner_log(struct owner *o, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

uint32_t cvg_owner_nr_limits(const struct owner *o);
/* *probe: one of them allows probes. */
uint32_t cvg_owner_nr_sessions(const struct owner *o, bool *probe);
uint32_t cvg_owner_nr_clients(const struct owner *o);
/* A migration of the domain runs here: its status server answers. */
bool cvg_owner_migration_running(struct owner *o);

/* Log-dirty on (recorded with the guardian first), the controller fresh;
 * -EBUSY when a migration or something else has log-dirty. */
int cvg_owner_start_windows(struct owner *o, struct cvg_err *err);
/* Everything back: levers, then log-dirty off. */
int cvg_owner_stop_windows(struct owner *o, struct cvg_err *err);
/* One window: CLEAN, run times, controller, sessions, levers. */
int cvg_owner_tick(struct owner *o, struct cvg_err *err);
void cvg_owner_fail_sessions(struct owner *o, int status, const char *why);

void cvg_owner_accept_clients(struct owner *o);
void cvg_owner_read_client(struct owner *o, struct client *c);
void cvg_owner_drop_client(struct owner *o, struct client *c);
void cvg_owner_send_reply(struct owner *o, struct client *c, const struct cvg_own_reply *r);
void cvg_owner_reply_status(struct owner *o, struct client *c, enum cvg_own_op op,
                            int status, const char *text);

#endif
