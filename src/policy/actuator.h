/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which lever carries a throttle decision, and with what settings.
 *
 * Policies decide in shares of run time (per vCPU, 1 = unthrottled) and in a
 * domain-wide percentage; the hypervisor offers different levers:
 *
 *   budget    per-vCPU budget in a period: RTDS (where compiled in) and the
 *             simulator.  Exact: each vCPU gets its own share.
 *   affinity  credit/credit2 on Debian's 4.17: pack the k throttled vCPUs on
 *             m pCPUs of their own (m = their summed share, rounded up), the
 *             others on the rest.  Coarse: each packed vCPU gets about m / k;
 *             impossible when m >= k (one writer, or shares near 1) or when
 *             the host lacks pCPUs -- then the cap, below.
 *   cap       the domain cap, last resort for per-vCPU shares: credit2 shares
 *             one cap among all runnable vCPUs, so readers pay too.
 *
 * A domain-wide throttle (auto-converge) is always the cap, derived from the
 * domain's CPU use before throttling (cvg_ac_cap).
 *
 * Pure: the engine applies the settings (saving what it overwrites first;
 * the guardian restores them after a crash).
 */
#ifndef CVG_POLICY_ACTUATOR_H
#define CVG_POLICY_ACTUATOR_H

#include <stdbool.h>
#include <stdint.h>

#define CVG_ACT_MAX_VCPUS 128
#define CVG_ACT_MIN_BUDGET_US 10        /* RTDS's smallest budget */

enum cvg_lever { CVG_LEVER_BUDGET, CVG_LEVER_AFFINITY, CVG_LEVER_CAP };

struct cvg_act_in {
    uint32_t nr_vcpus;
    const double *share;        /* wanted run share per vCPU, NULL: none */
    uint32_t throttle_pct;      /* domain-wide throttle, 0: none */
    uint32_t u0_dom_pct;        /* domain CPU use before throttling, % of a pCPU */
    const double *u0;           /* per vCPU CPU-s per s before throttling; NULL: 1 */
    uint32_t nr_pcpus;          /* pCPUs the domain may run on (affinity), <= 64 */
    uint32_t period_us;         /* budget period */
};

struct cvg_act_out {
    enum cvg_lever lever;       /* what carried the per-vCPU shares */
    uint32_t cap;               /* domain cap, % of a pCPU; 0: leave/restore uncapped */
    bool budgets;
    uint32_t budget_us[CVG_ACT_MAX_VCPUS];   /* == period_us: unthrottled */
    bool affinity;
    uint64_t cpumap[CVG_ACT_MAX_VCPUS];      /* hard affinity, bit i = pCPU i */
    double effective[CVG_ACT_MAX_VCPUS];     /* share each vCPU is expected to get */
};

const char *cvg_lever_name(enum cvg_lever l);
int cvg_lever_parse(const char *s, enum cvg_lever *l);     /* -EINVAL */

/*
 * Settings for the wanted throttle on the preferred lever, falling back
 * (affinity -> cap) when the lever cannot express it.  Returns the lever used.
 */
enum cvg_lever cvg_actuate(enum cvg_lever preferred, const struct cvg_act_in *in,
                           struct cvg_act_out *out);

#endif
