/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-vCPU dirty rates from what Xen 4.17 exposes: the domain-wide log-dirty
 * counter (PEEK with no bitmap: distinct pages newly dirtied since the last
 * CLEAN) and each vCPU's run time.  There is no per-vCPU dirty log.
 *
 * Model: over a short window, newly dirtied pages y ~ sum_v r_v x_v, x_v the
 * vCPU's run time in the window (s), r_v >= 0 its pages per CPU-second.  The
 * windows are folded into an exponentially weighted Gram matrix (no history
 * kept: O(n^2) per window) and solved by non-negative least squares
 * (coordinate descent on the normal equations).
 *
 * Collinearity: when vCPUs run in lockstep (all 100 % busy, the common case)
 * their columns are equal and no regression can tell them apart.  Columns
 * whose cosine is above collinear_cos are merged into one group; the group's
 * total is well determined and is split
 *   - by rates learnt by probes (cvg_probe below), if those explain it, or
 *   - by CPU-time share otherwise (the fallback), flagged `unsplit` with a
 *     confidence of 1/group size.
 *
 * Confidence per vCPU in [0,1]: the fit's R^2 times how well the vCPU's
 * column stands apart from its nearest neighbour (1 - cos, scaled so 1 % of
 * difference counts as fully separate), 0.5 x R^2 when split by learnt
 * rates, R^2 / group size when split by CPU share.  Idle vCPUs (no run time)
 * have rate 0 with confidence 1: what does not run does not write.
 *
 * Probes (active identification): when a group's split is unknown, a caller
 * may take a slice of one member's run time for one short window and compare
 * the dirty rate with the windows on both sides (linear drift, e.g. a dirty
 * set filling up, cancels).  cvg_probe schedules base/probe windows and turns
 * the drops into learnt rates.
 */
#ifndef CVG_POLICY_ESTIMATOR_H
#define CVG_POLICY_ESTIMATOR_H

#include <stdbool.h>
#include <stdint.h>

#define CVG_EST_MAX_VCPUS 128

struct cvg_est_params {
    double half_life;           /* windows for a row's weight to halve (8) */
    double collinear_cos;       /* columns at least this similar are merged (0.9995) */
    double idle_cpu_frac;       /* below this CPU-s per s a vCPU counts as idle (0.02) */
};

struct cvg_est {
    struct cvg_est_params p;
    uint32_t nr;
    uint64_t windows;
    double decay;               /* per-window weight factor */
    double G[CVG_EST_MAX_VCPUS * CVG_EST_MAX_VCPUS];   /* sum w x x^T */
    double h[CVG_EST_MAX_VCPUS];                       /* sum w x y */
    double yy;                                         /* sum w y^2 */
    double cpu_rate[CVG_EST_MAX_VCPUS];   /* EW CPU-s per s (recent) */
    double dirty_rate;                    /* EW pages per s, whole domain */

    /* Results of cvg_est_solve(). */
    double r[CVG_EST_MAX_VCPUS];          /* pages per CPU-second */
    double rate[CVG_EST_MAX_VCPUS];       /* pages per second at the recent CPU rate */
    double conf[CVG_EST_MAX_VCPUS];
    uint32_t group[CVG_EST_MAX_VCPUS];    /* lowest vCPU id of its collinear group */
    uint32_t group_size[CVG_EST_MAX_VCPUS];
    bool unsplit[CVG_EST_MAX_VCPUS];      /* split by CPU share (no learnt rates) */
    double r2;                            /* fit quality, 0..1 */
    double confidence;                    /* rate-weighted mean of conf */

    /* Rates learnt by probes: fresh rates, pages per CPU-second. */
    double learnt[CVG_EST_MAX_VCPUS];
    bool has_learnt[CVG_EST_MAX_VCPUS];

    /* Scratch for the solver (kept here: no allocation). */
    double gm[CVG_EST_MAX_VCPUS * CVG_EST_MAX_VCPUS];
    double hm[CVG_EST_MAX_VCPUS], rho[CVG_EST_MAX_VCPUS];
    double chol[CVG_EST_MAX_VCPUS * CVG_EST_MAX_VCPUS];
    uint32_t members[CVG_EST_MAX_VCPUS], idx[CVG_EST_MAX_VCPUS];
};

void cvg_est_defaults(struct cvg_est_params *p);
void cvg_est_init(struct cvg_est *e, uint32_t nr_vcpus, const struct cvg_est_params *p);

/*
 * One window of dt_s seconds: dirty_pages newly dirtied in it (a PEEK delta),
 * run_s[v] each vCPU's run time in it (seconds).  Windows with dt_s <= 0 are
 * ignored.
 */
void cvg_est_add(struct cvg_est *e, double dt_s, double dirty_pages, const double *run_s);

/* Recomputes r, rate, conf, groups from what was added. */
void cvg_est_solve(struct cvg_est *e);

/* Records a rate (pages per CPU-second) learnt by other means (a probe). */
void cvg_est_learn(struct cvg_est *e, uint32_t vcpu, double r_per_cpu_s);

/* Forgets learnt rates (e.g. the workload changed under them). */
void cvg_est_forget(struct cvg_est *e, uint32_t vcpu);

/*
 * Probes: active identification when run times cannot tell vCPUs apart.
 * Windows alternate base, probe, base, probe, ..., base; each should start
 * from a fresh counter (a refresh right before it), so windows compare like
 * with like however fast the dirty set saturates.  A probe window slows a
 * group of vCPUs (or raises one already throttled); its drop against the
 * mean of the two neighbouring base windows, over the change in the group's
 * run time, is the group's rate.  A drop beyond CVG_PROBE_SIGMAS of the
 * noise (counting noise, or the two bases' own disagreement) is a writer
 * group (its rate is its parent's when the two are within the noise of
 * each other, so equal writers come out equal): it is split in two, the
 * first half is probed and the second judged by difference (adaptive group
 * testing: a few writers among many vCPUs cost a few probes each, and a
 * reader's time is taken only while its group might hold a writer).  A drop
 * within the noise clears the group (its members learn 0) only if even the
 * drop plus the noise is below CVG_PROBE_SMALL of what was at stake;
 * otherwise it is inconclusive: the members keep the group's own estimate,
 * or share their parent's rate when neither half stands out (many small
 * writers, each below the noise).  A recheck round (throttled
 * vCPUs, raised for the probe) only looks for groups that stopped writing:
 * those learn 0, everyone else keeps the rate learnt before.
 */
#define CVG_PROBE_SIGMAS 4.0
#define CVG_PROBE_SMALL 0.25
#define CVG_PROBE_MAX_GROUPS (2 * CVG_EST_MAX_VCPUS)

enum cvg_probe_phase { CVG_PROBE_IDLE, CVG_PROBE_BASE, CVG_PROBE_HIT };

enum cvg_probe_mode {
    CVG_PROBE_IDENTIFY,         /* halves, split while significant, learn */
    CVG_PROBE_RECHECK,          /* halves; only clear groups found quiet */
};


struct cvg_probe_group {
    uint32_t first, count;      /* a range of order[] */
    int32_t parent;             /* -1 for the round's top groups */
    double rate;                /* pages per CPU-second, when significant */
    double drop;                /* dip, pages/s (measured or inferred) */
    double dc, sigma;           /* run-time change, the dip's noise */
    int32_t sibling;            /* > 0: judged by difference after this one */
    bool significant;
    uint8_t children_done, children_significant;
};

struct cvg_probe {
    enum cvg_probe_phase phase;
    uint32_t order[CVG_EST_MAX_VCPUS];
    struct cvg_probe_group g[CVG_PROBE_MAX_GROUPS];
    uint32_t ng;
    uint32_t queue[CVG_PROBE_MAX_GROUPS];
    uint32_t qhead, qtail;
    int32_t cur;                /* group probed in the coming/last window */
    double min_dt;              /* shorter windows are not probe windows */
    double base_y, base_count;  /* previous base window: pages/s, pages */
    double base_cpu;            /* ... and the current group's CPU-s/s in it */
    double hit_y, hit_count, hit_cpu;
    uint32_t probes;            /* probe windows this round */
    uint32_t rounds;            /* completed rounds */
    uint32_t found;             /* significant groups this round */
    enum cvg_probe_mode mode;
};

/* Starts a round over vcpus[0..n-1]; the next window is a base window. */
void cvg_probe_start(struct cvg_probe *pr, const uint32_t *vcpus, uint32_t n,
                     enum cvg_probe_mode mode, double min_dt_s);

/*
 * The vCPUs the coming window should probe (written to vcpus, at most
 * CVG_EST_MAX_VCPUS); 0 for a base window or when idle.
 */
uint32_t cvg_probe_targets(const struct cvg_probe *pr, uint32_t *vcpus);

/*
 * Feeds the window just measured (the one cvg_probe_targets announced):
 * dirty pages counted in it, run_s[v] per vCPU.  Learnt rates (pages per
 * CPU-second) go to e.  Returns true when the round finished with it.
 */
bool cvg_probe_window(struct cvg_probe *pr, struct cvg_est *e, double dt_s,
                      double dirty_pages, const double *run_s);

#endif
