/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sim/sched.h"

#define EPS 1e-9

/*
 * A limit that can bind: either one vCPU's own (budget, or 1 pCPU), a
 * domain's cap, or a set of pCPUs.  level() is the common share the
 * unsettled users of the limit could rise to before it is exhausted.
 */
static double set_level(uint64_t set, const struct cvg_sim_sched_vcpu *v, size_t nv,
                        const bool *settled, const double *share, size_t *users)
{
    double used = 0;
    size_t n = 0;

    for (size_t i = 0; i < nv; i++) {
        if (!v[i].runnable || !v[i].affinity || (v[i].affinity & ~set))
            continue;
        if (settled[i])
            used += share[i];
        else
            n++;
    }
    *users = n;
    return n ? ((double)__builtin_popcountll(set) - used) / (double)n : 1e300;
}

static double dom_level(uint32_t d, double cap, const struct cvg_sim_sched_vcpu *v, size_t nv,
                        const bool *settled, const double *share, size_t *users)
{
    double used = 0;
    size_t n = 0;

    for (size_t i = 0; i < nv; i++) {
        if (!v[i].runnable || !v[i].affinity || v[i].dom != d)
            continue;
        if (settled[i])
            used += share[i];
        else
            n++;
    }
    *users = n;
    return n ? (cap - used) / (double)n : 1e300;
}

void cvg_sim_sched_shares(uint32_t nr_pcpus, const struct cvg_sim_sched_dom *doms, size_t nd,
                          const struct cvg_sim_sched_vcpu *vin, size_t nv, double *share)
{
    uint64_t online = nr_pcpus >= 64 ? ~0ull : ((1ull << nr_pcpus) - 1);
    struct cvg_sim_sched_vcpu *v = NULL;
    uint64_t *masks = NULL;
    bool *settled = NULL;
    size_t nmasks = 0, left = 0;

    memset(share, 0, sizeof(*share) * nv);
    if (!nv)
        return;
    v = calloc(nv, sizeof(*v));
    masks = calloc(nv + 1, sizeof(*masks));
    settled = calloc(nv, sizeof(*settled));
    if (!v || !masks || !settled)
        goto out;               /* everyone stays at 0: the period is lost, not the daemon */

    for (size_t i = 0; i < nv; i++) {
        v[i] = vin[i];
        v[i].affinity &= online;
        if (v[i].limit < 0)
            v[i].limit = 0;
        if (v[i].limit > 1)
            v[i].limit = 1;
        if (v[i].dom >= nd || !v[i].affinity)
            v[i].runnable = false;
        if (!v[i].runnable) {
            settled[i] = true;
            continue;
        }
        left++;
        size_t k;
        for (k = 0; k < nmasks && masks[k] != v[i].affinity; k++)
            ;
        if (k == nmasks)
            masks[nmasks++] = v[i].affinity;
    }
    {
        uint64_t all = 0;

        for (size_t k = 0; k < nmasks; k++)
            all |= masks[k];
        if (nmasks > 1)
            masks[nmasks++] = all;
    }

    while (left) {
        double level = 1e300, cur = 0;
        size_t users;

        /* Every unsettled vCPU sits at the same share: the current level. */
        for (size_t i = 0; i < nv; i++)
            if (!settled[i]) {
                cur = share[i];
                if (v[i].limit < level)
                    level = v[i].limit;
            }
        for (size_t d = 0; d < nd; d++) {
            double l;

            if (!doms[d].cap_pct)
                continue;
            l = dom_level((uint32_t)d, doms[d].cap_pct / 100.0, v, nv, settled, share, &users);
            if (users && l < level)
                level = l;
        }
        for (size_t k = 0; k < nmasks; k++) {
            double l = set_level(masks[k], v, nv, settled, share, &users);

            if (users && l < level)
                level = l;
        }
        if (level < cur)
            level = cur;        /* a limit already overrun by settled users */
        if (level < 0)
            level = 0;
        for (size_t i = 0; i < nv; i++)
            if (!settled[i])
                share[i] = level;

        /* Settle the users of every limit that binds at this level. */
        size_t before = left;
        for (size_t i = 0; i < nv; i++)
            if (!settled[i] && v[i].limit <= level + EPS) {
                settled[i] = true;
                left--;
            }
        for (size_t d = 0; d < nd; d++) {
            if (!doms[d].cap_pct)
                continue;
            double l = dom_level((uint32_t)d, doms[d].cap_pct / 100.0, v, nv, settled, share,
                                 &users);
            if (users && l <= level + EPS)
                for (size_t i = 0; i < nv; i++)
                    if (!settled[i] && v[i].dom == d) {
                        settled[i] = true;
                        left--;
                    }
        }
        for (size_t k = 0; k < nmasks; k++) {
            double l = set_level(masks[k], v, nv, settled, share, &users);

            if (users && l <= level + EPS)
                for (size_t i = 0; i < nv; i++)
                    if (!settled[i] && !(v[i].affinity & ~masks[k])) {
                        settled[i] = true;
                        left--;
                    }
        }
        if (left == before) {
            /* Cannot happen (the minimum binds something); never loop forever. */
            for (size_t i = 0; i < nv; i++)
                settled[i] = true;
            left = 0;
        }
    }
out:
    free(v);
    free(masks);
    free(settled);
}
