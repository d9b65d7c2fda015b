/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hypervisor port: everything the migration engine, the controllers'
 * actuators and the dirty-rate API need from a hypervisor, and nothing more.
 *
 * Two back ends implement it:
 *   xen  (hv/xen.c)  libxenctrl + libxenforeignmemory, Xen 4.17 semantics;
 *   sim  (hv/sim.c)  a client of converge-simd, the simulated hypervisor.
 * cvg_hv_open() picks sim when $XENCONVERGE_SIM names a socket, xen otherwise.
 *
 * Semantics follow Xen's, so that the engine cannot tell the difference:
 *  - logdirty CLEAN/PEEK: stats.dirty_count is the number of distinct pages
 *    newly dirtied since the last CLEAN; CLEAN copies and clears, PEEK copies;
 *    a NULL bitmap returns only the stats (CLEAN then only resets).
 *  - cap: percent of one pCPU for the whole domain, 0 = uncapped (credit2).
 *  - vcpu budgets: RTDS-like (period, budget in microseconds); -EOPNOTSUPP
 *    where the scheduler has none (Debian's credit2).
 * Every call returns 0 or a negative errno and fills err with a sentence.
 */
#ifndef CVG_HV_HV_H
#define CVG_HV_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define CVG_PAGE_SHIFT 12
#define CVG_PAGE_SIZE  (1u << CVG_PAGE_SHIFT)

/* Xen's SHUTDOWN_suspend (public/sched.h): what a suspended guest reports. */
#define CVG_SHUTDOWN_SUSPEND 2u

/* Scheduler ids, numerically Xen's XEN_SCHEDULER_* values. */
enum cvg_sched_id {
    CVG_SCHED_CREDIT = 5,
    CVG_SCHED_CREDIT2 = 6,
    CVG_SCHED_ARINC653 = 7,
    CVG_SCHED_RTDS = 8,
    CVG_SCHED_NULL = 9,
    CVG_SCHED_SIM = 100,        /* converge-simd: cap + budgets + affinity */
};

/* Log-dirty operations, numerically XEN_DOMCTL_SHADOW_OP_*. */
enum cvg_logdirty_op {
    CVG_LOGDIRTY_CLEAN = 11,
    CVG_LOGDIRTY_PEEK = 12,
};
#define CVG_LOGDIRTY_FINAL 1u   /* XEN_DOMCTL_SHADOW_LOGDIRTY_FINAL */

struct cvg_dominfo {
    uint32_t domid;
    bool hvm;                   /* HVM or PVH: the only live-migratable kinds */
    bool paused;
    bool shutdown;
    bool dying;
    unsigned shutdown_reason;   /* SHUTDOWN_* when shutdown (CVG_SHUTDOWN_SUSPEND) */
    uint32_t max_vcpu_id;
    uint32_t nr_online_vcpus;
    uint64_t p2m_size;          /* highest gpfn + 1 (xc_domain_nr_gpfns) */
    uint64_t nr_pages;          /* populated pages */
    uint64_t max_pages;         /* the most it may have (maxmem); 0: unknown */
    uint64_t cpu_time_ns;       /* whole domain */
    uint32_t cpupool;
};

struct cvg_vcpuinfo {
    bool online;
    bool blocked;
    bool running;
    uint64_t cpu_time_ns;       /* as xc_vcpu_getinfo's cpu_time */
    uint32_t cpu;
};

struct cvg_logdirty_stats {
    uint32_t fault_count;
    uint32_t dirty_count;
};

/* A batch of mapped guest pages; pages[i] is pfns[i]'s 4 KiB, or NULL on error. */
struct cvg_hv_mapping {
    size_t n;
    void **pages;
    int *errs;
    void *priv;                 /* back end's bookkeeping */
};

struct cvg_hv;

struct cvg_hv_ops {
    const char *name;
    void (*close)(struct cvg_hv *hv);

    int (*dominfo)(struct cvg_hv *hv, uint32_t domid, struct cvg_dominfo *info,
                   struct cvg_err *err);
    int (*vcpuinfo)(struct cvg_hv *hv, uint32_t domid, uint32_t vcpu,
                    struct cvg_vcpuinfo *info, struct cvg_err *err);
    int (*nr_pcpus)(struct cvg_hv *hv, uint32_t *nr, struct cvg_err *err);

    /* prot is PROT_READ or PROT_READ|PROT_WRITE.  Per-page failures land in
     * map->errs (e.g. -ENOENT for a hole); the call fails only as a whole. */
    int (*map)(struct cvg_hv *hv, uint32_t domid, int prot, size_t n,
               const uint64_t *pfns, struct cvg_hv_mapping *map,
               struct cvg_err *err);
    void (*unmap)(struct cvg_hv *hv, struct cvg_hv_mapping *map);
    /* XEN_DOMCTL_PFINFO_* type of each pfn, in the top nibble as
     * getpageframeinfo3 returns it (0 = normal RAM, 0xF<<28 = XTAB hole). */
    int (*pfn_types)(struct cvg_hv *hv, uint32_t domid, size_t n,
                     const uint64_t *pfns, uint32_t *types, struct cvg_err *err);
    /* Destination: allocate backing for pfns not yet populated. */
    int (*populate)(struct cvg_hv *hv, uint32_t domid, size_t n,
                    const uint64_t *pfns, struct cvg_err *err);

    int (*logdirty_enable)(struct cvg_hv *hv, uint32_t domid, struct cvg_err *err);
    int (*logdirty_disable)(struct cvg_hv *hv, uint32_t domid, struct cvg_err *err);
    /* bitmap NULL (pages 0): stats only.  bitmap has pages bits, LSB first. */
    int (*logdirty_op)(struct cvg_hv *hv, uint32_t domid, enum cvg_logdirty_op op,
                       unsigned long *bitmap, uint64_t pages, unsigned mode,
                       struct cvg_logdirty_stats *stats, struct cvg_err *err);
    int (*logdirty_enabled)(struct cvg_hv *hv, uint32_t domid, bool *on,
                            struct cvg_err *err);

    int (*pause)(struct cvg_hv *hv, uint32_t domid, struct cvg_err *err);
    int (*unpause)(struct cvg_hv *hv, uint32_t domid, struct cvg_err *err);
    /* Suspend as libxl does for stop-and-copy (guest stops, shutdown code
     * SHUTDOWN_suspend); resume undoes it on a failed migration. */
    int (*suspend)(struct cvg_hv *hv, uint32_t domid, struct cvg_err *err);
    int (*resume)(struct cvg_hv *hv, uint32_t domid, struct cvg_err *err);

    int (*sched_id)(struct cvg_hv *hv, uint32_t domid, enum cvg_sched_id *id,
                    struct cvg_err *err);
    int (*cap_get)(struct cvg_hv *hv, uint32_t domid, uint32_t *cap,
                   struct cvg_err *err);
    int (*cap_set)(struct cvg_hv *hv, uint32_t domid, uint32_t cap,
                   struct cvg_err *err);
    int (*vcpu_budget_get)(struct cvg_hv *hv, uint32_t domid, uint32_t vcpu,
                           uint32_t *period_us, uint32_t *budget_us,
                           struct cvg_err *err);
    int (*vcpu_budget_set)(struct cvg_hv *hv, uint32_t domid, uint32_t vcpu,
                           uint32_t period_us, uint32_t budget_us,
                           struct cvg_err *err);
    /* cpumap: one bit per pCPU, nwords 64-bit words. */
    int (*vcpu_affinity_get)(struct cvg_hv *hv, uint32_t domid, uint32_t vcpu,
                             uint64_t *cpumap, size_t nwords, struct cvg_err *err);
    int (*vcpu_affinity_set)(struct cvg_hv *hv, uint32_t domid, uint32_t vcpu,
                             const uint64_t *cpumap, size_t nwords,
                             struct cvg_err *err);

    /* Opaque blobs; *buf is malloc()ed by the back end, freed by the caller. */
    int (*hvm_context_get)(struct cvg_hv *hv, uint32_t domid, uint8_t **buf,
                           size_t *len, struct cvg_err *err);
    int (*hvm_context_set)(struct cvg_hv *hv, uint32_t domid, const uint8_t *buf,
                           size_t len, struct cvg_err *err);
    int (*hvm_param_get)(struct cvg_hv *hv, uint32_t domid, uint32_t index,
                         uint64_t *value, struct cvg_err *err);
    int (*hvm_param_set)(struct cvg_hv *hv, uint32_t domid, uint32_t index,
                         uint64_t value, struct cvg_err *err);
    /* Destination, at the end of a restore: grant entries 0 (console) and
     * 1 (xenstore) of the new domain point at its rings, which is how the
     * back ends map them (xenstored has no other way), as 4.17's restore
     * leaves them (xc_dom_gnttab_seed).  NULL where the back end has no
     * grant table and no back ends sharing pages with the guest (the
     * simulator); where it is set, a restore also clears those ring pages
     * (console, xenstore, ioreq) and the memory digest leaves them out. */
    int (*gnttab_seed)(struct cvg_hv *hv, uint32_t domid, uint64_t console_gfn,
                       uint64_t store_gfn, uint32_t console_domid,
                       uint32_t store_domid, struct cvg_err *err);
    /* TSC info as the X86_TSC_INFO record carries it. */
    int (*tsc_info_get)(struct cvg_hv *hv, uint32_t domid, uint32_t *mode,
                        uint64_t *nsec, uint32_t *khz, uint32_t *incarnation,
                        struct cvg_err *err);
    int (*tsc_info_set)(struct cvg_hv *hv, uint32_t domid, uint32_t mode,
                        uint64_t nsec, uint32_t khz, uint32_t incarnation,
                        struct cvg_err *err);
};

struct cvg_hv {
    const struct cvg_hv_ops *ops;
    void *priv;
};

/* $XENCONVERGE_SIM set: the simulator at that socket; otherwise Xen. */
int cvg_hv_open(struct cvg_hv **hv, struct cvg_err *err);
int cvg_hv_open_xen(struct cvg_hv **hv, struct cvg_err *err);
int cvg_hv_open_sim(struct cvg_hv **hv, const char *socket_path,
                    struct cvg_err *err);
void cvg_hv_close(struct cvg_hv *hv);

#endif
