/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A simulated domain inside converge-simd: guest memory in a memfd, vCPU
 * threads running a workload on it (sim/vcpu.c), log-dirty state, the
 * scheduler parameters the toolstack can change, and the HVM blobs a
 * migration carries.  The daemon's ops (sim/ops.c) call these; locking:
 *
 *   lock      (mutex) every field marked [L]; the cond wakes parked vCPUs
 *   ld_lock   (rwlock, writer-preferring) the vCPUs hold it for read around
 *             each small chunk of writes; log-dirty ops, pause and suspend
 *             take it for write, which is the "domain paused for the op"
 *             Xen gives its log-dirty hypercall
 *   lock order: machine lock -> domain lock -> ld_lock
 */
#ifndef CVG_SIM_DOMAIN_H
#define CVG_SIM_DOMAIN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "config/scenario.h"
#include "sim/logdirty.h"
#include "sim/proto.h"

#define SIMD_SUBTICK_NS 1000000ull      /* a vCPU spreads its work in 1 ms steps (slower ones: longer) */

/* Real-time limits: beyond them the host, not the model, would set the pace. */
#define SIMD_MAX_VCPU_RATE_MIB_S   4096.0
#define SIMD_MAX_DOMAIN_RATE_MIB_S 16384.0

struct simd_domain;

struct simd_vcpu {
    struct simd_domain *d;
    uint32_t id;
    pthread_t thread;
    bool started;
    struct cvg_workload wl;             /* [L] what it runs now */
    uint32_t period_us, budget_us;      /* [L] */
    uint64_t affinity;                  /* [L] */
    _Atomic uint32_t wl_gen;            /* bumped when wl changes */
    _Atomic uint32_t share_ppm;         /* set by the scheduler each period */
    _Atomic uint64_t work;
    _Atomic uint64_t writes;
    _Atomic uint64_t cpu_time_ns;
} __attribute__((aligned(64)));

struct simd_domain {
    uint32_t domid;
    char name[CVG_SIM_MAX_NAME + 1];
    atomic_uint refs;
    uint64_t seed;

    int memfd;
    uint8_t *mem;
    uint64_t nr_pages;                  /* p2m size; memory = nr_pages * 4 KiB */
    uint64_t *populated;                /* [L] bitmap */
    uint64_t nr_populated;              /* [L] */

    struct cvg_sim_logdirty ld;
    pthread_rwlock_t ld_lock;
    uint64_t ld_since_ns;               /* [L] first enable (phases count from it) */
    uint64_t clean_ns;                  /* [ld_lock] last CLEAN or enable */

    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint32_t pause_count;               /* [L] */
    bool shutdown;                      /* [L] */
    uint32_t shutdown_reason;           /* [L] */
    bool stopping;                      /* [L] the vCPU threads must exit */
    atomic_bool running;                /* !paused && !shutdown && !stopping */
    atomic_bool dying;

    uint32_t cap;                       /* [L] percent of one pCPU, 0 = none */
    struct cvg_workload *phases;        /* sorted by at_s */
    unsigned nr_phases, next_phase;     /* [L] */

    uint8_t *hvm_ctx;                   /* [L] */
    size_t hvm_ctx_len;                 /* [L] */
    uint64_t hvm_params[CVG_SIM_MAX_HVM_PARAMS];    /* [L] */
    uint32_t tsc_mode, tsc_khz, tsc_incarnation;    /* [L] */
    uint64_t tsc_nsec;                  /* [L] */

    uint32_t nr_vcpus;
    struct simd_vcpu *vcpus;
};

uint64_t simd_now_ns(void);

/* New domains hold one reference, owned by the caller; threads not started. */
int simd_domain_create_scenario(const struct cvg_scenario *sc, uint32_t nr_pcpus,
                                struct simd_domain **out, struct cvg_err *err);
int simd_domain_create_empty(uint64_t pages, uint32_t vcpus, bool paused, const char *name,
                             uint32_t nr_pcpus, struct simd_domain **out,
                             struct cvg_err *err);
int simd_domain_start(struct simd_domain *d, struct cvg_err *err);
/* Stops and joins the vCPU threads (destroy); idempotent. */
void simd_domain_stop(struct simd_domain *d);
void simd_domain_get(struct simd_domain *d);
void simd_domain_put(struct simd_domain *d);

int simd_domain_pause(struct simd_domain *d, struct cvg_err *err);
int simd_domain_unpause(struct simd_domain *d, struct cvg_err *err);
int simd_domain_suspend(struct simd_domain *d, struct cvg_err *err);
int simd_domain_resume(struct simd_domain *d, struct cvg_err *err);

int simd_domain_cap_set(struct simd_domain *d, uint32_t cap, struct cvg_err *err);
int simd_domain_budget_set(struct simd_domain *d, uint32_t vcpu, uint32_t period_us,
                           uint32_t budget_us, struct cvg_err *err);
int simd_domain_budget_get(struct simd_domain *d, uint32_t vcpu, uint32_t *period_us,
                           uint32_t *budget_us, struct cvg_err *err);
int simd_domain_affinity_set(struct simd_domain *d, uint32_t vcpu, const uint64_t *map,
                             uint32_t nwords, uint32_t nr_pcpus, struct cvg_err *err);
int simd_domain_affinity_get(struct simd_domain *d, uint32_t vcpu, uint64_t *map,
                             struct cvg_err *err);

int simd_domain_logdirty_enable(struct simd_domain *d, struct cvg_err *err);
int simd_domain_logdirty_disable(struct simd_domain *d, struct cvg_err *err);
/* out: ceil(min(pages, nr_pages) / 64) words, or NULL for stats only. */
int simd_domain_logdirty_op(struct simd_domain *d, bool clean, uint64_t *out, uint64_t pages,
                            uint32_t *dirty_count, struct cvg_err *err);

/* pfn_types/populate read pfns from a decoded request (little-endian array). */
void simd_domain_pfn_types(struct simd_domain *d, const struct cvg_sim_req *req,
                           uint32_t *types);
int simd_domain_populate(struct simd_domain *d, const struct cvg_sim_req *req,
                         struct cvg_err *err);

int simd_domain_hvm_context_get(struct simd_domain *d, uint8_t **buf, size_t *len,
                                struct cvg_err *err);
int simd_domain_hvm_context_set(struct simd_domain *d, const uint8_t *buf, size_t len,
                                struct cvg_err *err);
void simd_domain_hvm_param_get(struct simd_domain *d, uint32_t index, uint64_t *value);
void simd_domain_hvm_param_set(struct simd_domain *d, uint32_t index, uint64_t value);
void simd_domain_tsc_get(struct simd_domain *d, uint32_t *mode, uint32_t *khz,
                         uint64_t *nsec, uint32_t *incarnation);
void simd_domain_tsc_set(struct simd_domain *d, uint32_t mode, uint32_t khz, uint64_t nsec,
                         uint32_t incarnation);

void simd_domain_dominfo(struct simd_domain *d, struct cvg_sim_dominfo *out);
int simd_domain_vcpuinfo(struct simd_domain *d, uint32_t vcpu, struct cvg_sim_vcpuinfo *out,
                         struct cvg_err *err);
/* out->vcpus is malloc()ed: cvg_sim_info_release(). */
int simd_domain_info(struct simd_domain *d, struct cvg_sim_info *out, struct cvg_err *err);
int simd_domain_truth(struct simd_domain *d, struct cvg_sim_truth *out, struct cvg_err *err);
int simd_domain_digest(struct simd_domain *d, uint8_t sha256[32], struct cvg_err *err);

/* Scheduler thread: apply due phases (log-dirty time base). */
void simd_domain_apply_phases(struct simd_domain *d, uint64_t now_ns);

/* sim/vcpu.c: the guest. */
void *simd_vcpu_main(void *arg);

#endif
