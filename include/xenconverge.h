/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxenconverge: per-vCPU dirty rates, per-vCPU dirty limits and live
 * migration statistics for Xen 4.17 domains, for toolstacks (libvirt's
 * libxl driver, cloud agents).  The Xen counterpart of QEMU's
 * calc-dirty-rate / query-dirty-rate, set-vcpu-dirty-limit /
 * cancel-vcpu-dirty-limit / query-vcpu-dirty-limit and query-migrate.
 *
 * Build with `pkg-config --cflags --libs xenconverge`.  See xenconverge(3).
 *
 * Conventions (as Xen's own libraries):
 *  - every function returning int returns 0 on success or a negative errno
 *    value; the reason, in one sentence, goes to the xentoollog logger given
 *    at open (level XTL_ERROR, context "xenconverge") and is also kept for
 *    xenconverge_last_error();
 *  - a handle is opaque and holds everything; the library keeps no global
 *    state.  One thread at a time per handle; separate handles are
 *    independent;
 *  - results with variable size are allocated by the library and released
 *    with the matching *_dispose() function.
 *
 * ABI: symbols are versioned (node XENCONVERGE_1.0, soname
 * libxenconverge.so.0).  The structures below never change layout within
 * a soname; additions come as new functions in a new version node.
 *
 * How it works (details in xenconverge(3)): Xen 4.17 has no per-vCPU dirty
 * log, so rates are estimated from the domain's log-dirty counter and each
 * vCPU's run time, and vCPUs that always run together are told apart by
 * briefly slowing one (a probe).  Limits are held by an owner process per
 * domain (converge-limitd), which a guardian process backs: when the owner
 * ends, however it ends, the domain's scheduler settings and log-dirty mode
 * are put back.  A migration by converge-helper takes the domain over from
 * the owner and hands it back when it ends.
 */
#ifndef XENCONVERGE_H
#define XENCONVERGE_H

#include <stdint.h>

#include <xentoollog.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xenconverge_handle xenconverge_handle;

/* xenconverge_open() flags. */
#define XENCONVERGE_OPEN_XEN  (1u << 0)     /* Xen even if $XENCONVERGE_SIM is set */

/*
 * Opens a handle on the hypervisor: the simulator listening at sim_socket
 * if given, else the one $XENCONVERGE_SIM names (unless XENCONVERGE_OPEN_XEN),
 * else Xen.  logger may be NULL (errors are then only returned and kept
 * for xenconverge_last_error()).  The logger must outlive the handle.
 */
int xenconverge_open(xenconverge_handle **h, xentoollog_logger *logger,
                     const char *sim_socket, unsigned int flags);
void xenconverge_close(xenconverge_handle *h);          /* NULL is fine */

/* "xen" or "sim". */
const char *xenconverge_backend(const xenconverge_handle *h);

/* The last failure's message on this handle ("" when none). */
const char *xenconverge_last_error(const xenconverge_handle *h);

/* ---- Dirty rate ------------------------------------------------------- */

#define XENCONVERGE_MAX_VCPUS 128u
#define XENCONVERGE_ALL_VCPUS UINT32_MAX
#define XENCONVERGE_PERIOD_MIN_MS 100u
#define XENCONVERGE_PERIOD_MAX_MS 60000u
#define XENCONVERGE_PERIOD_DEFAULT_MS 1000u

/* xenconverge_dirty_rate_measure() flags. */
#define XENCONVERGE_MEASURE_NO_PROBE (1u << 0)  /* never slow a vCPU to tell it apart */

/* Where a measurement came from. */
#define XENCONVERGE_SOURCE_LOGDIRTY  0u     /* our own log-dirty windows */
#define XENCONVERGE_SOURCE_MIGRATION 1u     /* a running migration's statistics */

/* Per-vCPU flags. */
#define XENCONVERGE_VCPU_IDLE     (1u << 0) /* did not run: rate 0, certain */
#define XENCONVERGE_VCPU_PROBED   (1u << 1) /* its rate was learnt by a probe */
#define XENCONVERGE_VCPU_UNSPLIT  (1u << 2) /* could not be told apart from others:
                                             * split by run time, low confidence */
#define XENCONVERGE_VCPU_LIMITED  (1u << 3) /* a dirty limit holds it */

struct xenconverge_vcpu_rate {
    uint32_t vcpu;
    uint32_t flags;             /* XENCONVERGE_VCPU_* */
    double rate_mib_s;          /* pages newly dirtied per second x 4 KiB, in MiB/s */
    double confidence;          /* 0..1 */
    double cpu;                 /* CPU-seconds per second it ran over the period */
};

struct xenconverge_dirty_rate {
    uint32_t domid;
    uint32_t source;            /* XENCONVERGE_SOURCE_* */
    uint32_t period_ms;         /* time actually measured */
    uint32_t nr_vcpus;
    double rate_mib_s;          /* whole domain */
    double confidence;          /* rate-weighted mean of the vCPUs' */
    struct xenconverge_vcpu_rate *vcpus;    /* nr_vcpus entries, by vcpu id */
};

/*
 * Measures domid's dirty rate over period_ms (XENCONVERGE_PERIOD_MIN_MS ..
 * _MAX_MS; 0: the default).  Switches log-dirty on for the measurement and
 * off after, unless a dirty limit's owner already measures the domain.
 * While a migration of the domain runs it owns log-dirty: the domain rate is
 * then the migration's, split over the vCPUs by run time (source
 * XENCONVERGE_SOURCE_MIGRATION).  Blocks for about period_ms.
 * -EBUSY: log-dirty is in use by something else; -ESRCH: no such domain.
 */
int xenconverge_dirty_rate_measure(xenconverge_handle *h, uint32_t domid,
                                   uint32_t period_ms, unsigned int flags,
                                   struct xenconverge_dirty_rate *out);
void xenconverge_dirty_rate_dispose(struct xenconverge_dirty_rate *r);

/* ---- Dirty limit ------------------------------------------------------ */

#define XENCONVERGE_LIMIT_MAX_MIB_S 1048576u

/* State of a limit. */
#define XENCONVERGE_LIMIT_ENFORCING  0u     /* rate known, throttle applied as needed */
#define XENCONVERGE_LIMIT_LEARNING   1u     /* telling the vCPU apart from others */
#define XENCONVERGE_LIMIT_SUSPENDED  2u     /* a migration governs the domain now */

/*
 * Limits vcpu (or XENCONVERGE_ALL_VCPUS: each vCPU) of domid to rate_mib_s
 * MiB/s of newly dirtied memory, replacing any limit it had.  Returns once
 * the owner holds the limit; it holds until cancelled or the owner process
 * ends (the domain is then put back as it was).  flags: 0.
 * -EBUSY: a migration of the domain is running (its own throttle governs),
 * or log-dirty is in use by something else; -ESRCH: no such domain or vCPU.
 */
int xenconverge_dirty_limit_set(xenconverge_handle *h, uint32_t domid, uint32_t vcpu,
                                uint32_t rate_mib_s, unsigned int flags);

/* Cancels vcpu's limit (XENCONVERGE_ALL_VCPUS: every limit).  Nothing to
 * cancel is not an error.  The last cancel ends the owner. */
int xenconverge_dirty_limit_cancel(xenconverge_handle *h, uint32_t domid, uint32_t vcpu);

struct xenconverge_dirty_limit {
    uint32_t vcpu;
    uint32_t limit_mib_s;
    uint32_t state;             /* XENCONVERGE_LIMIT_* */
    uint32_t flags;             /* XENCONVERGE_VCPU_* of its current rate */
    double current_mib_s;       /* its dirty rate now */
    double confidence;          /* of current_mib_s, 0..1 */
    double share;               /* run share the limit leaves it, 1 = unthrottled */
};

struct xenconverge_dirty_limits {
    uint32_t domid;
    int32_t owner_pid;          /* 0: no owner (no limits) */
    uint32_t nr;
    struct xenconverge_dirty_limit *limits;     /* nr entries, by vcpu */
};

int xenconverge_dirty_limit_list(xenconverge_handle *h, uint32_t domid,
                                 struct xenconverge_dirty_limits *out);
void xenconverge_dirty_limits_dispose(struct xenconverge_dirty_limits *l);

/* ---- Live migration statistics ---------------------------------------- */

struct xenconverge_migration_info {
    uint32_t domid;
    int32_t helper_pid;         /* the converge-helper saving the domain */
    char phase[16];             /* "precopy", ... */
    uint32_t pass;              /* 0: the first full pass */
    uint32_t throttle_pct;      /* current throttle, 0..99 */
    uint32_t downtime_limit_ms;
    uint32_t reserved;
    uint64_t elapsed_ms;
    uint64_t memory_bytes;
    uint64_t bytes_sent;
    uint64_t remaining_bytes;   /* dirty now: what a stop-and-copy would send */
    uint64_t pass_pages_sent, pass_pages_total;
    uint64_t expected_downtime_ms;
    int64_t eta_ms;             /* to switchover; -1: not converging at these rates */
    double dirty_rate_mib_s;
    double bandwidth_mib_s;
};

/*
 * The statistics of the migration of domid running on this host now, read
 * from the helper's status socket.  -ESRCH: no migration of domid runs here.
 */
int xenconverge_migration_info(xenconverge_handle *h, uint32_t domid,
                               struct xenconverge_migration_info *out);

#ifdef __cplusplus
}
#endif

#endif
