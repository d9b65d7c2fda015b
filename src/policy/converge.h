/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `converge`: throttle only the vCPUs that dirty, only as much as needed for
 * the expected downtime to fit the limit within a target time, and say when
 * the migration will end.
 *
 * Planning (a receding-horizon controller, re-solved at every decision point):
 *
 *   growth curve  G(tau): pages a pass has dirtied after tau seconds of
 *                 full-speed guest writing since its CLEAN.  Measured: every
 *                 sample adds (tau, pass_dirty_pages) to the current pass's
 *                 curve, tau advancing by the (dirty-weighted) share the
 *                 writers actually ran.  Beyond the measured range the
 *                 previous pass's curve supplies the shape, and beyond that
 *                 the last slope continues onto the pages still clean
 *                 (saturating, as uniform writes do).  Slowing every writer to
 *                 a share a makes a pass of T seconds dirty G(a T): throttling
 *                 is a dilation of the writers' time.
 *
 *   prediction    with the writers at share a for the rest of the current
 *                 pass and b after it: the current pass ends after R / B,
 *                 having dirtied G(tau + a R/B); each following pass sends S
 *                 in S / B and leaves G(b S / B); stop-and-copy once S / B
 *                 fits the limit (less the fixed switchover cost).  This gives
 *                 the end time (the ETA), the downtime, the passes and the
 *                 writers' run time given up -- or no convergence.
 *
 *   choice        two shares: one for the rest of the current pass, one for
 *                 the passes after it; of the pairs whose predicted end is
 *                 before the deadline (target_factor x memory / bandwidth after
 *                 the start: a fixed multiple of the time one copy of memory
 *                 takes), the one that takes the least run time from the
 *                 writers.  No throttle whenever that already makes it.  Two
 *                 stages because dirtying saturates: a hot set written during a
 *                 long pass is dirty at its end whatever the throttle, so the
 *                 throttle belongs to the short passes at the end.  If nothing
 *                 meets the deadline, a_min (the hardest throttle allowed).
 *
 *   allocation    the aggregate becomes per-vCPU shares by water-filling a
 *                 dirty-rate quota over the identified writers (each keeps
 *                 min(its rate, quota), never below min_share of it): light
 *                 writers and readers keep full speed.  A vCPU the estimator
 *                 cannot tell apart from others (estimator.h) is never
 *                 throttled on a guess: when a throttle is needed and such
 *                 vCPUs may hold writers, a probe round (group testing,
 *                 probe_depth of a group's time for one probe_window_ms
 *                 window, each window after a refresh) identifies them first.
 *                 Probed rates go stale when a window dirties far more than
 *                 they explain (a new writer): the free vCPUs are probed
 *                 again, the throttled ones re-measured (raised for a window)
 *                 so that a writer that stopped is released.
 *
 *   evidence      no plan before the current curve spans EVIDENCE_S of
 *                 writing (a hot set still filling looks like a writer that
 *                 never stops), or a previous pass gave its shape.
 */
#ifndef CVG_POLICY_CONVERGE_H
#define CVG_POLICY_CONVERGE_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/estimator.h"

#define CVG_CURVE_MAX 64

struct cvg_cv_params {
    double target_factor;       /* deadline = this x memory / bandwidth (1.5) */
    double min_share;           /* a throttled writer keeps at least this (0.01) */
    double probe_depth;         /* share of a probed vCPU's time taken (0.5) */
    uint32_t probe_window_ms;   /* one probe or base window (50) */
    double writer_frac;         /* a writer dirties >= this x link rate (0.01) */
    double significant_frac;    /* a new writer matters once it dirties this x link (0.25) */
};

/* Measured growth of a pass's dirty set: (tau, pages), tau increasing. */
struct cvg_curve {
    uint32_t n;
    double gap;                 /* spacing kept once thinned, 0 before */
    double tau[CVG_CURVE_MAX];
    double pages[CVG_CURVE_MAX];
};

void cvg_curve_reset(struct cvg_curve *c);
/* Adds a sample; keeps pages non-decreasing; thins itself when full. */
void cvg_curve_add(struct cvg_curve *c, double tau, double pages);

/* What the planner needs to know about the migration, in pages and seconds. */
struct cvg_cv_view {
    double now_s;
    double bw_pps;              /* pages per second the link carries */
    double limit_s;             /* downtime limit less the fixed switchover cost */
    double memory_pages;
    double remaining_pages;     /* still to send in the current pass */
    double tau;                 /* full-speed time since the pass's CLEAN */
    double deadline_s;          /* aim to have switched over by then */
    double walk_s;              /* what a refresh (CLEAN) costs */
    double horizon_s;           /* predictions past this count as "never" */
};

struct cvg_cv_prediction {
    bool converges;
    double end_s;               /* switchover done (downtime included) */
    double downtime_s;
    uint32_t passes;            /* further live passes after the current one */
    double lost_s;              /* writers' run time given up, in writer-seconds */
    double share_later;         /* planned for the passes after this one */
};

/* G(tau): cur, then prev's shape, then saturating extrapolation. */
double cvg_cv_growth(const struct cvg_curve *cur, const struct cvg_curve *prev,
                     double fallback_pps, double memory_pages, double tau);

/* Writers at share_now for the rest of this pass, share_later after. */
struct cvg_cv_prediction cvg_cv_predict(const struct cvg_cv_view *v,
                                        const struct cvg_curve *cur,
                                        const struct cvg_curve *prev,
                                        double fallback_pps, double share_now,
                                        double share_later);

/*
 * The plan that meets the deadline with the least writer time lost: a share
 * for the rest of this pass (from a grid down to min_share) and the largest
 * share for the later passes that still makes it.  Returns the share for
 * now; pred holds the plan.  If nothing meets the deadline, min_share.
 */
double cvg_cv_choose(const struct cvg_cv_view *v, const struct cvg_curve *cur,
                     const struct cvg_curve *prev, double fallback_pps,
                     double min_share, struct cvg_cv_prediction *pred);

/*
 * Per-vCPU shares so that sum(share_v x rate_v) over the throttleable vCPUs
 * is `allowed` (water-filling a common quota), each share in [min_share, 1].
 * Vcpus not throttleable get 1.
 */
void cvg_cv_waterfill(const double *rate, const bool *throttleable, uint32_t n,
                      double allowed, double min_share, double *share);

/* The controller's state: one per migration. */
struct cvg_cv_state {
    struct cvg_cv_params p;
    uint32_t nr;
    struct cvg_est est;
    struct cvg_probe probe;
    struct cvg_curve cur, prev;
    double tau;
    double u0[CVG_EST_MAX_VCPUS];       /* CPU-s per s before we throttled */
    bool u0_set[CVG_EST_MAX_VCPUS];
    double share[CVG_EST_MAX_VCPUS];    /* throttle we ask for (no probe) */
    double applied[CVG_EST_MAX_VCPUS];  /* what the last plan output (probe included) */
    double full_rate[CVG_EST_MAX_VCPUS];/* pages/s at full speed (r x u0) */
    double share_agg;                   /* planned aggregate share */
    struct cvg_cv_prediction pred;
    bool planned;
    uint32_t probe_rounds;
    double now_s;                       /* sum of the windows observed */
    double last_probe_end_s;
    double last_bw_pps;
    uint32_t stale_events;              /* learnt rates found stale */
    bool recheck_due;                   /* ... so re-measure the throttled */
    double deadline_s;                  /* fixed at the first plan */
};

/* One measured window. */
struct cvg_cv_window {
    double dt_s;
    double dirty_pages;         /* newly dirtied in it (PEEK delta) */
    const double *run_s;        /* per vCPU run time in it */
};

void cvg_cv_defaults(struct cvg_cv_params *p);
void cvg_cv_init(struct cvg_cv_state *s, const struct cvg_cv_params *p,
                 const struct cvg_est_params *ep, uint32_t nr_vcpus);

/* Feeds a window: estimator, probes, pre-throttle CPU use, the curve's tau. */
void cvg_cv_observe(struct cvg_cv_state *s, const struct cvg_cv_window *w);

/* The pass's dirty set so far (pages since its CLEAN). */
void cvg_cv_sample(struct cvg_cv_state *s, double pass_dirty_pages);

/* The pass ended with final_pages dirty: its curve becomes the previous one. */
void cvg_cv_pass_end(struct cvg_cv_state *s, double final_pages);

/*
 * Plans from the view: fills share[] (1 = free) for the coming window and
 * returns how long that window should be (ms; probe windows are short).
 */
uint32_t cvg_cv_plan(struct cvg_cv_state *s, const struct cvg_cv_view *v,
                     uint32_t sample_ms, double *share);

#endif
