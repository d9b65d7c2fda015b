/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dirty-limit controller of a domain's owner: per-vCPU dirty rates and
 * per-vCPU run shares that hold each limited vCPU at its limit.  Pure: it
 * sees windows (time, pages newly dirtied, each vCPU's run time) and
 * answers with the run share each vCPU may have in the next window.
 *
 * Rates.  The estimator (policy/estimator.h) regresses each window's
 * newly dirtied pages on the vCPUs' run times: r_v, pages per CPU-second.
 * vCPUs that run in lockstep (all busy: the usual case, and always in the
 * simulator) cannot be told apart that way; a probe round (group testing:
 * one group's share lowered by probe_depth for one window, compared with
 * the windows on both sides) learns their rates.  A round is started when
 * a limited vCPU cannot be told apart and its group dirties more than the
 * limit, or when a measurement asks for every busy vCPU (identify).
 * Limits never change during a round: it compares like with like.
 *
 * Probe windows are fed to the regression like any other (each window
 * starts from a CLEAN and lasts as long as the others), so the round only
 * has to excite the vCPUs; the joint fit gives the rates.  While a
 * measurement runs, once no round is needed, every other window slows one
 * busy vCPU in turn (refinement): one glitch in one probe window then
 * cannot decide a rate.
 *
 * Shares.  QEMU's dirty-limit steps a sleep per ring-full up and down
 * until the rate settles (dead band 25 MB/s).  Here the rate per CPU-second
 * is known, so the share is set outright: share_v = limit_v / r_v (CPU-s
 * per s), 1 when that is more than the vCPU uses anyway.  The regression
 * keeps re-estimating r_v from the throttled windows, and a small dither of
 * each throttled share keeps them identifiable, so a writer that slows down
 * or stops is released by itself; a window dirtying clearly more than the
 * known rates explain (a new writer among vCPUs learnt as readers) makes
 * those rates stale and calls for another round.  vCPUs without a limit
 * are never slowed, except for one probe window; nothing is throttled on a
 * rate not told apart.
 */
#ifndef CVG_LIB_DLC_H
#define CVG_LIB_DLC_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/estimator.h"

#define CVG_DLC_MAX_VCPUS CVG_EST_MAX_VCPUS

struct cvg_dlc_params {
    double min_share;           /* a limited vCPU keeps at least this (0.01) */
    double probe_depth;         /* share of a probed vCPU's time taken (0.5) */
    double idle_cpu;            /* below this CPU-s per s a vCPU is idle (0.02) */
    double cooldown_s;          /* between the end of a round and the next (0.5) */
    double stale_frac;          /* a window this much above what known rates
                                 * explain makes them stale (0.2) */
    double dither;              /* throttled shares go up and down by this (0.15) */
};

struct cvg_dlc_window {
    double dt_s;
    double pages;               /* newly dirtied in the window */
    const double *run_s;        /* per vCPU run time in it */
};

struct cvg_dlc {
    struct cvg_dlc_params p;
    uint32_t nr;
    struct cvg_est est;
    struct cvg_probe probe;
    double quota[CVG_DLC_MAX_VCPUS];    /* pages/s, 0: no limit */
    double share[CVG_DLC_MAX_VCPUS];    /* the limits' shares, 1 = free */
    double applied[CVG_DLC_MAX_VCPUS];  /* the last plan, probes included */
    double u0[CVG_DLC_MAX_VCPUS];       /* CPU-s per s while free (peak-following) */
    bool u0_set[CVG_DLC_MAX_VCPUS];
    double cpu[CVG_DLC_MAX_VCPUS];      /* CPU-s per s in the last window that
                                         * was not a probe's */
    double cpu_avg[CVG_DLC_MAX_VCPUS];  /* the same, averaged over ~5 windows */
    bool learning[CVG_DLC_MAX_VCPUS];   /* limited, rate not yet told apart */
    bool probed[CVG_DLC_MAX_VCPUS];     /* slowed by a probe since its rate was
                                         * last forgotten */
    double now_s;
    double last_probe_end_s;
    bool identify;              /* a measurement wants every busy vCPU told apart */
    int32_t refine_target;      /* vCPU slowed in the coming window, -1: none */
    uint32_t refine_next;       /* round-robin position among the vCPUs */
    bool refine_hit;            /* the coming window is a refinement probe */
    bool probe_allowed;
    bool last_was_hit;          /* the window just observed was a probe window */
    uint32_t rounds;
    uint64_t windows;
};

void cvg_dlc_defaults(struct cvg_dlc_params *p);
/* d is large (the estimator): allocate it. */
void cvg_dlc_init(struct cvg_dlc *d, uint32_t nr_vcpus, const struct cvg_dlc_params *p);

/* pages_per_s 0 cancels the vCPU's limit (its share goes back to 1). */
void cvg_dlc_set_quota(struct cvg_dlc *d, uint32_t vcpu, double pages_per_s);

void cvg_dlc_observe(struct cvg_dlc *d, const struct cvg_dlc_window *w);

/* Shares for the next window (nr entries, 1 = free). */
void cvg_dlc_plan(struct cvg_dlc *d, double *share);

/* Pages per second vCPU v dirties at its current pace, and how sure. */
double cvg_dlc_rate(const struct cvg_dlc *d, uint32_t v);
double cvg_dlc_confidence(const struct cvg_dlc *d, uint32_t v);
/* CVG_OWN_VCPU_* flags of v's rate (owner_proto.h values). */
uint32_t cvg_dlc_flags(const struct cvg_dlc *d, uint32_t v);

/* A probe round is under way. */
bool cvg_dlc_probing(const struct cvg_dlc *d);
/* The coming window (as planned) slows a vCPU to tell it apart. */
bool cvg_dlc_probe_window(const struct cvg_dlc *d);

#endif
