/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * When to stop the guest and copy what is left.
 *
 * downtime-aware (ours, all policies but xen-default):
 *   expected downtime = dirty bytes / effective rate, where the effective
 *   rate is the measured send rate, lowered to the destination's apply rate
 *   when that is known and slower, and to the configured bandwidth cap.
 *   Stop-and-copy as soon as it fits the limit; past max_time or max_passes
 *   do what on_timeout says: abort (the guest stays here, running) or
 *   switch over anyway.
 *
 * xen-default (stock Xen 4.17's simple_precopy_policy, traced through its
 *   loop): stop when fewer than 50 pages are dirty or after 5 passes
 *   (1 full + 4 dirty), whatever the downtime.
 */
#ifndef CVG_POLICY_STOP_RULE_H
#define CVG_POLICY_STOP_RULE_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/stats.h"

enum cvg_on_limit {
    CVG_ON_LIMIT_ABORT,         /* the guest keeps running here */
    CVG_ON_LIMIT_SWITCHOVER,    /* stop-and-copy whatever the downtime */
};

struct cvg_stop_params {
    uint32_t downtime_limit_ms;
    uint64_t bandwidth_cap_bps;     /* 0: no cap */
    uint32_t max_time_ms;           /* 0: no limit */
    uint32_t max_passes;            /* 0: no limit */
    enum cvg_on_limit on_limit;     /* past max_time or max_passes */
};

struct cvg_stop_verdict {
    enum cvg_decision decision;
    uint64_t expected_downtime_ms;  /* UINT64_MAX while no rate is known */
    const char *reason;             /* one line for the log */
    bool forced;                    /* a limit decided, not the downtime */
};

/* Effective transfer rate for the downtime estimate (bytes/s, 0 unknown). */
uint64_t cvg_effective_rate(const struct cvg_stop_params *p,
                            const struct cvg_mig_stats *s);
uint64_t cvg_expected_downtime_ms(uint64_t bytes, uint64_t rate_bps);

/* Decision at the end of a pass, after the CLEAN that sized dirty_pages. */
struct cvg_stop_verdict cvg_stop_rule(const struct cvg_stop_params *p,
                                      const struct cvg_mig_stats *s);

#define CVG_XEN_DEFAULT_MAX_ITERATIONS 5
#define CVG_XEN_DEFAULT_MIN_DIRTY 50

/* Stock 4.17: same decision points, its rule. */
struct cvg_stop_verdict cvg_stop_rule_xen_default(const struct cvg_mig_stats *s);

#endif
