/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A simulated domain's log-dirty state, with Xen's semantics
 * (paging_log_dirty_op): one bit per pfn, set by the vCPUs as they write;
 * dirty_count = distinct pages newly marked since the last CLEAN; CLEAN
 * copies and clears (bitmap and counter), PEEK copies; a stats-only op sees
 * the counter, and a stats-only CLEAN still clears.
 *
 * Marking is lock-free (one atomic fetch_or per write).  Ops that read or
 * clear the bitmap must not race a write in progress: the caller holds the
 * domain's write lock (the vCPUs hold it for read around their writes), as
 * Xen pauses the domain for the op.
 *
 * Beside Xen's counter it keeps the truth Xen cannot give: how many pages
 * each vCPU newly dirtied since the last CLEAN (their sum is dirty_count;
 * the vCPU whose fetch_or set the bit owns it).  The dirty-rate estimators
 * are judged against that.
 */
#ifndef CVG_SIM_LOGDIRTY_H
#define CVG_SIM_LOGDIRTY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

struct cvg_sim_ld_vcpu {
    _Atomic uint64_t dirtied;   /* newly set bits since the last CLEAN */
    char pad[56];               /* one cache line per vCPU */
};

struct cvg_sim_logdirty {
    uint64_t nr_pages;
    uint64_t nr_words;
    _Atomic uint64_t *bits;
    uint32_t nr_vcpus;
    struct cvg_sim_ld_vcpu *vcpus;
    atomic_bool enabled;
};

int cvg_sim_ld_init(struct cvg_sim_logdirty *ld, uint64_t nr_pages, uint32_t nr_vcpus,
                    struct cvg_err *err);
void cvg_sim_ld_destroy(struct cvg_sim_logdirty *ld);

/* Called by vCPU vcpu after writing pfn (pfn < nr_pages); no-op when off. */
static inline void cvg_sim_ld_mark(struct cvg_sim_logdirty *ld, uint32_t vcpu, uint64_t pfn)
{
    uint64_t mask = 1ull << (pfn & 63);

    if (!(atomic_fetch_or_explicit(&ld->bits[pfn >> 6], mask, memory_order_relaxed) & mask))
        atomic_fetch_add_explicit(&ld->vcpus[vcpu].dirtied, 1, memory_order_relaxed);
}

/* The rest need the domain's write lock. */

/* Fresh state (all clean, counters 0), as Xen allocates a new bitmap. */
void cvg_sim_ld_reset(struct cvg_sim_logdirty *ld);

/*
 * CLEAN (clean true) or PEEK: copies bits 0..min(pages, nr_pages) into out
 * (ceil(that/64) words, NULL for stats only) and returns the distinct-page
 * counter, saturated to 32 bits as Xen's stats are.  CLEAN clears the pages
 * it covered (all of them when out is NULL) and resets the counters.
 */
uint32_t cvg_sim_ld_op(struct cvg_sim_logdirty *ld, bool clean, uint64_t *out, uint64_t pages);

uint64_t cvg_sim_ld_dirty_count(struct cvg_sim_logdirty *ld);

#endif
