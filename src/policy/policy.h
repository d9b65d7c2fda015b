/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The convergence policies behind one interface, so that the real engine
 * (Xen or simulator, real time) and the virtual-time model drive the very
 * same code.
 *
 *   xen-default    stock 4.17: 5 passes or < 50 dirty pages; no throttle
 *   auto-converge  QEMU's ratchet (auto_converge.h) on the domain cap, syncs
 *                  once per pass, or also every refresh interval with
 *                  periodic_sync (QEMU >= 9.2)
 *   dirty-limit    QEMU's trigger, then QEMU's per-vCPU controller
 *                  (dirty_limit.h) with every vCPU's quota at dirty_limit
 *   converge       ours (converge.h): targeted per-vCPU throttle, ETA
 * All but xen-default stop with the downtime-aware rule (stop_rule.h).
 *
 * Use:
 *   cvg_policy_defaults(&p, kind, nr_vcpus); adjust p from the tunables;
 *   cvg_policy_init(pol, &p)                (pol: calloc'd, it is large)
 *   cvg_policy_start(pol, &in)              at log-dirty enable, time 0
 *   cvg_policy_step(pol, &in, &out)         at every decision point:
 *     CVG_POINT_PASS_END  right after the CLEAN that sized the next pass
 *                         (in.peek_pages = the count that CLEAN returned,
 *                         in.st.dirty_pages = the pages in its bitmap);
 *                         out.decision says continue / stop / abort
 *     CVG_POINT_SAMPLE    every out.next_sample_ms mid-pass, after a
 *                         stats-only PEEK (in.peek_pages = its count)
 *     CVG_POINT_REFRESH   after a refresh the policy asked for (out.refresh):
 *                         a CLEAN into a scratch bitmap (refresh.h)
 *   then apply out.throttle_pct / out.share through cvg_actuate().
 * Mid-pass points return CVG_CONTINUE, or CVG_ABORT past max_time when the
 * limit action is abort.  Nothing here does I/O, reads a clock or keeps
 * global state.
 */
#ifndef CVG_POLICY_POLICY_H
#define CVG_POLICY_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/auto_converge.h"
#include "policy/converge.h"
#include "policy/dirty_limit.h"
#include "policy/estimator.h"
#include "policy/stats.h"
#include "policy/stop_rule.h"

#define CVG_POLICY_MAX_VCPUS 128

/* Same order and meaning as config/tunables.h's enum cvg_policy (the policy
 * layer imports nothing of ours; callers convert with a cast, checked by a
 * static assertion where both are visible). */
enum cvg_policy_kind {
    CVG_POLICY_KIND_CONVERGE,
    CVG_POLICY_KIND_XEN_DEFAULT,
    CVG_POLICY_KIND_AUTO_CONVERGE,
    CVG_POLICY_KIND_DIRTY_LIMIT,
    CVG_POLICY_KIND__COUNT
};

enum cvg_point {
    CVG_POINT_PASS_END,
    CVG_POINT_SAMPLE,
    CVG_POINT_REFRESH,
};

struct cvg_policy_params {
    enum cvg_policy_kind kind;
    uint32_t nr_vcpus;
    struct cvg_stop_params stop;
    uint32_t sample_interval_ms;    /* PEEK period */
    uint32_t refresh_interval_ms;   /* background refresh, 0: off */
    bool periodic_sync;             /* auto-converge: QEMU 9.2's periodic sync */
    struct cvg_ac_params ac;        /* also dirty-limit's trigger */
    struct cvg_dl_params dl;
    struct cvg_cv_params cv;
    struct cvg_est_params est;
};

struct cvg_policy_input {
    enum cvg_point point;
    struct cvg_mig_stats st;
    uint64_t peek_pages;            /* log-dirty counter (see above) */
    uint64_t pass_dirty_pages;      /* pages dirtied since this pass's CLEAN,
                                     * refreshed bits included */
    uint64_t dom_cpu_ns;            /* domain cpu_time */
    const uint64_t *vcpu_cpu_ns;    /* per vCPU cpu_time, nr_vcpus entries */
    const uint64_t *vcpu_dirty_pages;   /* per vCPU pages dirtied, cumulative,
                                         * where a dirty ring exists; NULL on Xen */
    uint32_t overhead_ms;           /* fixed switchover cost (final CLEAN,
                                     * device state): converge's margin */
    uint32_t clean_us;              /* what one CLEAN (a refresh) costs, as
                                     * last measured; 0 unknown.  Not the
                                     * switchover's cost: probe windows are
                                     * sized against it */
};

struct cvg_policy_output {
    enum cvg_decision decision;
    struct cvg_stop_verdict verdict;    /* PASS_END only */
    bool refresh;                       /* refresh the dirty picture now */
    uint32_t next_sample_ms;
    uint32_t throttle_pct;              /* domain-wide (auto-converge) */
    uint32_t u0_dom_pct;                /* domain CPU % before throttling */
    bool per_vcpu;                      /* share[] / sleep_us_per_full[] apply */
    double share[CVG_POLICY_MAX_VCPUS]; /* run share allowed, 1 = free */
    double u0[CVG_POLICY_MAX_VCPUS];    /* CPU-s per s before throttling */
    int64_t sleep_us_per_full[CVG_POLICY_MAX_VCPUS];    /* dirty-limit */
    uint32_t quota_mib_s[CVG_POLICY_MAX_VCPUS];         /* dirty-limit, 0: none */
    uint64_t eta_ms;                    /* to switchover done; UINT64_MAX unknown */
    uint64_t predicted_downtime_ms;     /* UINT64_MAX unknown */
    bool probing;                       /* converge is identifying writers */
};

struct cvg_policy_state;

struct cvg_policy_ops {
    const char *name;
    void (*step)(struct cvg_policy_state *pol, const struct cvg_policy_input *in,
                 struct cvg_policy_output *out);
};

/* One migration's policy state. */
struct cvg_policy_state {
    struct cvg_policy_params p;
    const struct cvg_policy_ops *ops;
    bool started;
    uint64_t last_ms, last_sync_ms, last_peek, last_dom_cpu;
    uint64_t last_cpu[CVG_POLICY_MAX_VCPUS];
    double run_s[CVG_POLICY_MAX_VCPUS];     /* the window just measured */
    double window_s, window_pages;
    double dom_use_pct;                     /* EW, while unthrottled */
    bool dom_use_set;
    /* auto-converge; dirty-limit's trigger */
    struct cvg_ac_state ac;
    uint32_t u0_dom_pct;
    /* dirty-limit */
    struct cvg_dl_state dl;
    bool dl_on;
    uint64_t dl_period_ms;
    uint64_t dl_pages[CVG_POLICY_MAX_VCPUS];
    double dl_share[CVG_POLICY_MAX_VCPUS];      /* for budget levers */
    double dl_run_pps[CVG_POLICY_MAX_VCPUS];
    /* converge (its estimator also serves dirty-limit without a dirty ring) */
    struct cvg_cv_state cv;
};

const char *cvg_policy_kind_name(enum cvg_policy_kind k);
const struct cvg_policy_ops *cvg_policy_ops_for(enum cvg_policy_kind k);

void cvg_policy_defaults(struct cvg_policy_params *p, enum cvg_policy_kind kind,
                         uint32_t nr_vcpus);
void cvg_policy_init(struct cvg_policy_state *pol, const struct cvg_policy_params *p);
/* Baseline counters at the start (time 0); optional (else the first step's). */
void cvg_policy_start(struct cvg_policy_state *pol, const struct cvg_policy_input *in);
void cvg_policy_step(struct cvg_policy_state *pol, const struct cvg_policy_input *in,
                     struct cvg_policy_output *out);

#endif
