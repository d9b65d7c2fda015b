/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The virtual-time benchmark: a deterministic discrete-time model of a guest,
 * its scheduler and the link, driving the very same policy code as the real
 * engine (policy/policy.h) at any guest size.
 *
 * Time advances in steps of at most 10 ms (credit2's cap period), cut at
 * every event: a pass's last byte, a batch's last byte while a sample waits,
 * a sample (PEEK), a phase change, the end of a pause.
 *
 *   guest      vCPUs run the scenario's workloads (memory.h); each runs its
 *              share of wall time: 1 when unthrottled, 0 when idle.  Work done
 *              = run time; work_retained = work / what it would have done
 *              unthrottled over the live phase.
 *   scheduler  per-vCPU budgets (share <= budget / period), the domain cap
 *              shared max-min fairly by the runnable vCPUs (credit2), or
 *              hard-affinity packing (sim/sched.h's model, 64 pCPUs); for
 *              dirty-limit, QEMU's ring-full sleep itself: a vCPU dirtying e
 *              pages/s while it runs sleeps S after every ring of R pages, so
 *              it runs R/e / (R/e + S) of the time.
 *   link       the scenario's bandwidth (lowered to apply_rate if set), 4096
 *              bytes of page, 8 of pfn per page and a record header per 1024
 *              pages; sends only in the live phase and the final pass.
 *   sampling   as in the engine, the policy samples only between batches of
 *              1024 pages (a due sample waits for the batch on the wire: 80
 *              ms on a 50 MiB/s link), the batch that ends a pass before its
 *              CLEAN, and the sample clock restarts at every pass end.
 *   hypervisor log-dirty CLEAN pauses the guest and the sender for a bitmap
 *              walk (50 us per GiB; the policy is told this cost, as the
 *              engine tells it the one it measured); PEEK pauses for 20 us.  The counter a
 *              PEEK returns carries counting noise (sd = sqrt(increment)),
 *              from the scenario's seed.  Xen gives no per-vCPU dirty log: only
 *              dirty-limit, whose QEMU original reads a KVM dirty ring, is
 *              given exact per-vCPU counts (the dirty ring it relies on).
 *   switchover the stop rule decides after a CLEAN; stop-and-copy then sends
 *              that CLEAN's set (nothing is dirtied in between: decisions take
 *              no virtual time) after a final CLEAN walk, then the device
 *              state.  Our helper holds a switchover until the destination is
 *              set up (receiver_setup_ms, switchover-ack); stock Xen does not
 *              wait and the destination's setup adds to its downtime.
 */
#ifndef CVG_VTIME_MODEL_H
#define CVG_VTIME_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "config/scenario.h"
#include "policy/actuator.h"
#include "policy/policy.h"

#define CVG_VT_MAX_VCPUS 128

/* One point of the timeline (plots). */
struct cvg_vt_sample {
    double t_s;
    uint32_t pass;
    double remaining_bytes;     /* still to send this pass + dirtied since its CLEAN */
    double dirty_pages;         /* dirtied since this pass's CLEAN */
    double throttle_pct;        /* largest throttle on a runnable vCPU */
    double eta_s;               /* policy's predicted end, < 0 unknown */
    uint32_t nr_vcpus;
    const double *share;        /* run share of each vCPU now */
    const double *work_retained;/* so far */
};

struct cvg_vt_opts {
    enum cvg_policy_kind policy;
    struct cvg_policy_params params;    /* cvg_vt_opts_init fills it from the scenario */
    enum cvg_lever lever;               /* how per-vCPU shares are carried */
    bool dirty_ring;                    /* dirty-limit gets exact per-vCPU counts */
    double fixed_share;                 /* oracle runs: writers held at this share
                                         * from the start, policy throttles ignored
                                         * (0: off) */
    uint32_t timeline_ms;               /* 0: no timeline */
    void (*timeline)(void *opaque, const struct cvg_vt_sample *s);
    void *opaque;
    /* Every policy step, as it was taken (policy/trace.h formats it); NULL: off. */
    void (*trace)(void *opaque, const struct cvg_policy_state *pol,
                  const struct cvg_policy_input *in, const struct cvg_policy_output *out);
    void *trace_opaque;
};

struct cvg_vt_vcpu {
    bool writer;                /* dirtied memory at some point of the run */
    double work_retained;
    double min_share;           /* lowest run share it was held to */
};

struct cvg_vt_result {
    bool completed;             /* switched over */
    bool converged;             /* ... because the stop rule said so (not forced) */
    bool aborted;
    char reason[96];
    uint64_t total_time_ms;     /* start to switchover done */
    uint64_t downtime_ms;
    uint64_t expected_downtime_ms;  /* the stop rule's estimate at the stop */
    uint32_t downtime_limit_ms;
    uint64_t bytes_sent;
    uint64_t memory_bytes;
    uint32_t iterations;        /* live passes + the final one */
    uint32_t live_passes;
    uint32_t max_throttle_pct;
    uint64_t first_throttle_ms; /* UINT64_MAX: never throttled */
    uint32_t syncs;             /* CLEANs: pass ends and refreshes */
    uint32_t refreshes;
    uint32_t probe_rounds;
    double eta_error_s[3];      /* predicted - actual end at 25/50/75 % (NAN none) */
    double link_share;          /* min(1, link / writers' dirty rate over the
                                 * downtime limit, at full speed, t = 0) */
    uint32_t nr_vcpus;
    struct cvg_vt_vcpu vcpus[CVG_VT_MAX_VCPUS];
};

/* Policy parameters from the scenario (limit, max_time) and the defaults. */
void cvg_vt_opts_init(struct cvg_vt_opts *o, const struct cvg_scenario *sc,
                      enum cvg_policy_kind policy);

int cvg_vt_run(const struct cvg_scenario *sc, const struct cvg_vt_opts *o,
               struct cvg_vt_result *r, struct cvg_err *err);

/*
 * "What the link allows": the largest share in [0.01, 1] at which writers
 * held constant from the start still converge (downtime within the limit) by
 * deadline_ms, by bisection over oracle runs (the stop rule alone, no
 * policy throttle).  0 when even 0.01 does not.
 */
int cvg_vt_oracle_share(const struct cvg_scenario *sc, const struct cvg_vt_opts *base,
                        uint64_t deadline_ms, double *share, struct cvg_err *err);

#endif
