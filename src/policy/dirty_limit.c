/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "policy/dirty_limit.h"
#include "policy/stats.h"

#define PAGES_PER_MIB ((1u << 20) / CVG_MIG_PAGE_SIZE)

void cvg_dl_defaults(struct cvg_dl_params *p)
{
    p->quota_mib_s = CVG_DL_DEFAULT_QUOTA_MIB_S;
    p->period_ms = CVG_DL_DEFAULT_PERIOD_MS;
    p->ring_pages = CVG_DL_DEFAULT_RING_PAGES;
}

void cvg_dl_init(struct cvg_dl_state *s, const struct cvg_dl_params *p, uint32_t nr_vcpus)
{
    memset(s, 0, sizeof(*s));
    s->nr_vcpus = nr_vcpus > CVG_DL_MAX_VCPUS ? CVG_DL_MAX_VCPUS : nr_vcpus;
    s->ring_mib = p->ring_pages / PAGES_PER_MIB;
}

uint64_t cvg_dl_rate_mib_s(uint64_t pages, uint64_t period_ms)
{
    if (!period_ms)
        return 0;
    return pages / PAGES_PER_MIB * 1000 / period_ms;
}

void cvg_dl_set_vcpu(struct cvg_dl_state *s, uint32_t vcpu, uint64_t quota_mib_s)
{
    struct cvg_dl_vcpu *v;

    if (vcpu >= s->nr_vcpus)
        return;
    v = &s->v[vcpu];
    v->enabled = quota_mib_s != 0;
    v->quota = quota_mib_s;
    /* A cancelled vCPU no longer serves its sleep (dirtylimit_vcpu_execute). */
    if (!v->enabled)
        v->throttle_us_per_full = 0;
}

void cvg_dl_set_all(struct cvg_dl_state *s, uint64_t quota_mib_s)
{
    for (uint32_t i = 0; i < s->nr_vcpus; i++)
        cvg_dl_set_vcpu(s, i, quota_mib_s);
}

uint64_t cvg_dl_ring_full_time_us(struct cvg_dl_state *s, uint64_t rate_mib_s)
{
    if (s->max_rate < rate_mib_s)
        s->max_rate = rate_mib_s;
    if (!s->max_rate)
        return 0;
    return s->ring_mib * 1000000 / s->max_rate;
}

static bool done(uint64_t quota, uint64_t current)
{
    uint64_t lo = quota < current ? quota : current;
    uint64_t hi = quota < current ? current : quota;

    return hi - lo <= CVG_DL_TOLERANCE_MIB_S;
}

static bool linear(uint64_t quota, uint64_t current)
{
    uint64_t lo = quota < current ? quota : current;
    uint64_t hi = quota < current ? current : quota;

    return hi && (hi - lo) * 100 / hi > CVG_DL_LINEAR_ADJUST_PCT;
}

void cvg_dl_set_throttle(struct cvg_dl_state *s, uint32_t vcpu, uint64_t quota,
                         uint64_t current)
{
    struct cvg_dl_vcpu *v = &s->v[vcpu];
    int64_t rft, most;
    uint64_t pct;

    if (current == 0) {
        v->throttle_us_per_full = 0;
        return;
    }
    rft = (int64_t)cvg_dl_ring_full_time_us(s, current);
    if (linear(quota, current)) {
        if (quota < current) {
            pct = (current - quota) * 100 / current;
            v->throttle_us_per_full += (int64_t)((double)rft * (double)pct /
                                                 (double)(100 - pct));
        } else {
            pct = (quota - current) * 100 / quota;
            v->throttle_us_per_full -= (int64_t)((double)rft * (double)pct /
                                                 (double)(100 - pct));
        }
    } else if (quota < current) {
        v->throttle_us_per_full += rft / 10;
    } else {
        v->throttle_us_per_full -= rft / 10;
    }
    most = rft * CVG_DL_THROTTLE_PCT_MAX;
    if (v->throttle_us_per_full > most)
        v->throttle_us_per_full = most;
    if (v->throttle_us_per_full < 0)
        v->throttle_us_per_full = 0;
}

void cvg_dl_process(struct cvg_dl_state *s, const uint64_t *rates_mib_s)
{
    for (uint32_t i = 0; i < s->nr_vcpus; i++) {
        struct cvg_dl_vcpu *v = &s->v[i];

        v->current = rates_mib_s[i];
        if (v->enabled && !done(v->quota, v->current))
            cvg_dl_set_throttle(s, i, v->quota, v->current);
    }
}

double cvg_dl_duty(int64_t sleep_us, double entry_rate_pps, uint32_t ring_pages)
{
    double fill_s;

    if (sleep_us <= 0 || entry_rate_pps <= 0 || !ring_pages)
        return 1.0;
    fill_s = (double)ring_pages / entry_rate_pps;
    return fill_s / (fill_s + (double)sleep_us / 1e6);
}
