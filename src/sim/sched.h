/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulator's scheduler model: what share of one pCPU each vCPU gets in
 * a 10 ms period (credit2's default cap period), from
 *   - each domain's cap (percent of one pCPU for the whole domain, shared by
 *     its runnable vCPUs; 0 = uncapped), as credit2 enforces it;
 *   - each vCPU's budget (budget/period of the time at most, as RTDS);
 *   - hard affinity onto the machine's pCPUs: k busy vCPUs packed onto m
 *     pCPUs get m x 100 % together.
 * The answer is the max-min fair allocation under those limits, found by
 * progressive filling: raise every unsettled vCPU's share together until a
 * limit binds, settle the vCPUs it binds, repeat.  Candidate pCPU sets are
 * the distinct affinity masks and their union, which makes the answer exact
 * for nested or disjoint masks (what packing produces) and a close
 * approximation for masks that partly overlap.
 *
 * A pure function of its inputs: the daemon calls it every period, the
 * virtual-time model may call it too, and the unit tests call it directly.
 */
#ifndef CVG_SIM_SCHED_H
#define CVG_SIM_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CVG_SIM_SCHED_PERIOD_NS 10000000ull     /* 10 ms */

struct cvg_sim_sched_dom {
    uint32_t cap_pct;           /* 0 = uncapped */
};

struct cvg_sim_sched_vcpu {
    uint32_t dom;               /* index into the domain array */
    bool runnable;              /* not paused, not blocked (idle) */
    double limit;               /* budget/period in [0,1]; 1 = no budget */
    uint64_t affinity;          /* pCPU mask (bit i = pCPU i) */
};

/*
 * Fills share[i] in [0,1] for every vCPU (0 when not runnable or when its
 * mask holds no pCPU below nr_pcpus).  nr_pcpus in 1..64.
 */
void cvg_sim_sched_shares(uint32_t nr_pcpus, const struct cvg_sim_sched_dom *doms, size_t nd,
                          const struct cvg_sim_sched_vcpu *v, size_t nv, double *share);

#endif
