/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The migration engine: our own log-dirty precopy save (HVM/PVH) and the
 * matching restore, on the hypervisor port.
 *
 * The engine does not know libxl.  What libxl does for a stock helper
 * (suspend the guest and save the device model, switch qemu's log-dirty,
 * regenerate a CPUID policy, hear progress and log lines) comes in as
 * callbacks: converge-helper binds them to the libxl IPC, tests and the
 * simulator drivers bind them directly.
 *
 * Failure rules (the product's promise):
 *  - save: on every exit path log-dirty is switched off (ours and qemu's);
 *    before `suspend` returned, the guest was never stopped, so an aborted
 *    or failed save leaves it running as it was; after a suspend, resuming
 *    it is libxl's job (it knows the device model), as with the stock
 *    helper.  Throttles (cap, budgets, affinity) are restored by the
 *    policy layer's actuators on every path and by the guardian after a
 *    SIGKILL.
 *  - restore: never reports success unless the stream ended in END with
 *    every page applied and the CPU state set.
 */
#ifndef CVG_ENGINE_ENGINE_H
#define CVG_ENGINE_ENGINE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "config/tunables.h"
#include "hv/hv.h"
#include "policy/stats.h"

struct cvg_guard;

/* xentoollog levels, numerically (matches enum cvg_xtl_level of wire/ipc.h). */
enum cvg_log_level {
    CVG_LOG_DEBUG = 1,
    CVG_LOG_VERBOSE = 2,
    CVG_LOG_DETAIL = 3,
    CVG_LOG_PROGRESS = 4,
    CVG_LOG_INFO = 5,
    CVG_LOG_NOTICE = 6,
    CVG_LOG_WARN = 7,
    CVG_LOG_ERROR = 8,
    CVG_LOG_CRITICAL = 9,
};

/* What libxl (or a test playing libxl) does for the save engine. */
struct cvg_save_ops {
    /* Suspend the guest and save the device model; 0 once it is suspended. */
    int (*suspend)(void *opaque);
    /* qemu's own log-dirty tracking (VRAM etc.); 0 ok. */
    int (*switch_qemu_logdirty)(void *opaque, uint32_t domid, bool enable);
    void (*log)(void *opaque, enum cvg_log_level level, int errnoval,
                const char *text);
    /* "Frames iteration N" done/total, as the stock helper reports. */
    void (*progress)(void *opaque, const char *doing_what, uint64_t done,
                     uint64_t total);
    /* Live statistics after each batch and each decision (may be NULL):
     * sim-migrate's TTY line, migrate-info, STATS records. */
    void (*stats)(void *opaque, const struct cvg_mig_stats *s);
    void *opaque;
};

struct cvg_save_params {
    uint32_t domid;
    bool live;                      /* XCFLAGS_LIVE; false: `xl save` */
    bool debug;                     /* XCFLAGS_DEBUG */
    const struct cvg_tunables *tun; /* policy, limits, bandwidth cap */
    /* Set asynchronously (SIGTERM from libxl): abort at the next batch. */
    volatile sig_atomic_t *stop_requested;
    /* Records every change to the domain before it is made, for the
     * guardian process (guardian/guard.h); NULL: unguarded (tests). */
    struct cvg_guard *guard;
    /* The receive side of the transport (backchannel.h), when the sender
     * driver handed one over; live saves only. */
    bool back_channel;
    int back_fd;
};

/* What a save did: the report's source-side fields. */
struct cvg_save_result {
    bool converged;                 /* stop-and-copy by the rule, not forced */
    bool aborted;                   /* policy or signal said abort */
    enum cvg_decision last_decision;
    uint32_t iterations;            /* live passes + the final one */
    uint64_t bytes_sent;
    uint64_t pages_sent;
    uint64_t total_time_ms;
    uint64_t downtime_ms;           /* suspend request to END written */
    uint64_t final_pages;           /* sent while suspended */
    uint32_t max_throttle_pct;
    struct cvg_mig_stats last;      /* final statistics */
};

/* io_fd: the stream; blocking; written with writev only. */
int cvg_save(struct cvg_hv *hv, const struct cvg_save_params *p,
             const struct cvg_save_ops *ops, int io_fd,
             struct cvg_save_result *res, struct cvg_err *err);

/* What libxl does for the restore engine. */
struct cvg_restore_ops {
    /* After STATIC_DATA_END: missing = XGR_SDD_MISSING_* bits; 0 ok. */
    int (*static_data_done)(void *opaque, unsigned missing);
    void (*log)(void *opaque, enum cvg_log_level level, int errnoval,
                const char *text);
    void (*progress)(void *opaque, const char *doing_what, uint64_t done,
                     uint64_t total);
    void *opaque;
};

struct cvg_restore_params {
    uint32_t domid;                 /* created, empty and paused by libxl */
    uint32_t store_evtchn, store_domid;
    uint32_t console_evtchn, console_domid;
    bool checkpointed;              /* Remus/COLO: not ours, delegated */
    int send_back_fd;               /* -1: none (xl restore) */
    /* The simulator's model of the destination (0: none): when its own
     * setup is done (CLOCK_MONOTONIC ns; no SWITCHOVER_ACK before), and
     * the rate it can apply pages at. */
    uint64_t ready_at_ns;
    uint64_t apply_limit_bps;
};

struct cvg_restore_result {
    uint64_t store_gfn, console_gfn;    /* for restore_results */
    uint64_t pages_applied;
    uint64_t bytes_read;
    uint64_t apply_rate_bps;
    uint32_t optional_skipped;          /* unknown optional records */
};

/* io_fd: read exactly through the libxc END, never further. */
int cvg_restore(struct cvg_hv *hv, const struct cvg_restore_params *p,
                const struct cvg_restore_ops *ops, int io_fd,
                struct cvg_restore_result *res, struct cvg_err *err);

#endif
