/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which page a simulated vCPU touches next, for each workload pattern of a
 * scenario (config/scenario.h).  Deterministic for a given seed, vCPU and
 * memory size; cheap enough to sit in the inner loop of the vCPU threads
 * (a few ns per pick: xorshift, a multiply-high, no division).
 *
 *   uniform     every page equally likely
 *   hotcold     hot_pct % of memory (a window placed by the seed and the
 *               group's first vCPU, so a group shares its hot set) takes
 *               hot_share_pct % of the picks, the rest spread uniformly
 *   sequential  a cursor sweeping memory, each vCPU of a group starting at
 *               its own stripe
 *   zipf        popularity ~ 1/rank (s = 1), ranks scattered over memory by
 *               a fixed permutation so the hot pages are not all adjacent
 *   read        uniform, for reads
 *   idle        never asked
 */
#ifndef CVG_SIM_PATTERN_H
#define CVG_SIM_PATTERN_H

#include <stdint.h>

#include "config/scenario.h"

struct cvg_sim_picker {
    enum cvg_pattern pattern;
    uint64_t nr_pages;
    uint64_t rng;
    uint64_t cursor;            /* sequential */
    uint64_t hot_first, hot_pages;
    uint64_t hot_share_q32;     /* probability of a hot pick, scaled by 2^32 */
    double zipf_log;            /* ln(nr_pages + 1) */
};

/* vcpu is the vCPU's id; the group is w->vcpu_first..w->vcpu_last. */
void cvg_sim_picker_init(struct cvg_sim_picker *p, const struct cvg_workload *w,
                         uint64_t nr_pages, uint64_t seed, uint32_t vcpu);
uint64_t cvg_sim_picker_next(struct cvg_sim_picker *p);

/* splitmix64: the seed expander used for picks and page contents. */
uint64_t cvg_sim_mix64(uint64_t x);

#endif
