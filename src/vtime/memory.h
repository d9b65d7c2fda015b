/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest memory of the virtual-time model: which pages the vCPUs dirty,
 * in expectation, without a page array (a 256 GiB guest is 64 Mi pages).
 *
 * Memory is cut into cells inside which every page is equally likely to be
 * written by each workload: the intervals between hot-window edges (hotcold
 * groups place their hot window as converge-simd does), crossed with
 * log-spaced rank buckets when a zipf workload exists (zipf pages are
 * scattered over memory by a fixed permutation, so each bucket spreads
 * evenly over the intervals).  A workload ("behaviour") is then an intensity
 * per cell: writes per page per second at full speed.
 *
 * A tracker is a dirty bitmap in expectation: per cell the accumulated
 * intensity L since its reset, so the expected dirty fraction is 1 - e^-L
 * (Poisson writes onto distinct pages: the saturation a real bitmap shows),
 * plus the coverage of sequential sweepers (a cursor dirties each page once
 * per sweep).  Two trackers run side by side: the pass's (what the next
 * pass must send) and the counter's (reset by refreshes too).
 */
#ifndef CVG_VTIME_MEMORY_H
#define CVG_VTIME_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "config/scenario.h"

#define CVG_VT_ZIPF_BUCKETS 40
#define CVG_VT_PAGES_PER_MIB 256.0

struct cvg_vt_behaviour {
    enum cvg_pattern pattern;
    double write_pps;           /* page writes per second at full speed */
    double *intensity;          /* per cell: writes per page per second */
    double seq_pps;             /* sequential: pages swept per second */
    double ring_pps;            /* distinct pages per second over 10 ms
                                 * windows: what a per-vCPU dirty ring logs */
    bool writes;
};

struct cvg_vt_memory {
    double pages;               /* guest pages */
    uint32_t nr_cells;
    double *cell_pages;
    uint32_t nr_beh;            /* workload entries, then phases */
    struct cvg_vt_behaviour *beh;
};

struct cvg_vt_tracker {
    double *lam;                /* per cell */
    double seq;                 /* sweep coverage, 0..1 */
};

int cvg_vt_memory_init(struct cvg_vt_memory *m, const struct cvg_scenario *sc,
                       struct cvg_err *err);
void cvg_vt_memory_free(struct cvg_vt_memory *m);

int cvg_vt_tracker_init(struct cvg_vt_tracker *t, const struct cvg_vt_memory *m,
                        struct cvg_err *err);
void cvg_vt_tracker_free(struct cvg_vt_tracker *t);
void cvg_vt_tracker_reset(struct cvg_vt_tracker *t, const struct cvg_vt_memory *m);
/* Expected distinct pages dirty since the reset. */
double cvg_vt_tracker_count(const struct cvg_vt_tracker *t, const struct cvg_vt_memory *m);

/*
 * Adds speed x dt seconds of behaviour b at full speed (speed = the summed
 * run shares of the vCPUs running it).
 */
void cvg_vt_tracker_write(struct cvg_vt_tracker *t, const struct cvg_vt_memory *m,
                          uint32_t b, double speed_dt);

#endif
