/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "policy/stop_rule.h"

const char *cvg_decision_name(enum cvg_decision d)
{
    switch (d) {
    case CVG_CONTINUE: return "continue";
    case CVG_STOP_AND_COPY: return "stop-and-copy";
    case CVG_ABORT: return "abort";
    }
    return "unknown";
}

uint64_t cvg_effective_rate(const struct cvg_stop_params *p,
                            const struct cvg_mig_stats *s)
{
    uint64_t rate = s->bandwidth_bps;

    if (p->bandwidth_cap_bps && (rate == 0 || rate > p->bandwidth_cap_bps))
        rate = rate ? p->bandwidth_cap_bps : 0;
    if (s->apply_rate_bps && rate > s->apply_rate_bps)
        rate = s->apply_rate_bps;
    return rate;
}

uint64_t cvg_expected_downtime_ms(uint64_t bytes, uint64_t rate_bps)
{
    if (bytes == 0)
        return 0;
    if (rate_bps == 0)
        return UINT64_MAX;
    /* Round up: an estimate that rounds down lets a too-large set through. */
    if (bytes > UINT64_MAX / 1000)
        return bytes / rate_bps * 1000;
    return (bytes * 1000 + rate_bps - 1) / rate_bps;
}

static struct cvg_stop_verdict verdict(enum cvg_decision d, uint64_t dt,
                                       const char *why)
{
    struct cvg_stop_verdict v = { d, dt, why, false };
    return v;
}

static struct cvg_stop_verdict forced(enum cvg_decision d, uint64_t dt,
                                      const char *why)
{
    struct cvg_stop_verdict v = { d, dt, why, true };
    return v;
}

struct cvg_stop_verdict cvg_stop_rule(const struct cvg_stop_params *p,
                                      const struct cvg_mig_stats *s)
{
    uint64_t bytes = s->dirty_pages * CVG_MIG_PAGE_SIZE;
    uint64_t dt = cvg_expected_downtime_ms(bytes, cvg_effective_rate(p, s));
    enum cvg_decision on_limit = p->on_limit == CVG_ON_LIMIT_SWITCHOVER ?
        CVG_STOP_AND_COPY : CVG_ABORT;

    /* Nothing dirty, or a guest already paused: nothing more to gain live. */
    if (s->dirty_pages == 0)
        return verdict(CVG_STOP_AND_COPY, 0, "no dirty pages left");
    if (s->guest_paused)
        return verdict(CVG_STOP_AND_COPY, dt, "guest is paused: no downtime to save");
    if (dt <= p->downtime_limit_ms)
        return verdict(CVG_STOP_AND_COPY, dt, "expected downtime fits the limit");
    if (p->max_time_ms && s->now_ms >= p->max_time_ms)
        return forced(on_limit, dt, "max_time reached");
    if (p->max_passes && s->pass + 1 >= p->max_passes)
        return forced(on_limit, dt, "max_passes reached");
    return verdict(CVG_CONTINUE, dt, "expected downtime above the limit");
}

struct cvg_stop_verdict cvg_stop_rule_xen_default(const struct cvg_mig_stats *s)
{
    uint64_t dt = cvg_expected_downtime_ms(s->dirty_pages * CVG_MIG_PAGE_SIZE,
                                           s->bandwidth_bps);

    if (s->dirty_pages < CVG_XEN_DEFAULT_MIN_DIRTY)
        return verdict(CVG_STOP_AND_COPY, dt, "fewer than 50 dirty pages");
    if (s->pass + 1 >= CVG_XEN_DEFAULT_MAX_ITERATIONS)
        return forced(CVG_STOP_AND_COPY, dt, "5 passes done");
    return verdict(CVG_CONTINUE, dt, "stock rule: another pass");
}
