/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "policy/auto_converge.h"
#include "policy/stats.h"

void cvg_ac_defaults(struct cvg_ac_params *p)
{
    p->trigger_pct = CVG_AC_DEFAULT_TRIGGER_PCT;
    p->initial_pct = CVG_AC_DEFAULT_INITIAL_PCT;
    p->increment_pct = CVG_AC_DEFAULT_INCREMENT_PCT;
    p->max_pct = CVG_AC_DEFAULT_MAX_PCT;
    p->tailslow = false;
    p->min_period_ms = CVG_AC_MIN_PERIOD_MS;
}

void cvg_ac_init(struct cvg_ac_state *s, uint64_t now_ms, uint64_t bytes_sent)
{
    *s = (struct cvg_ac_state){ 0 };
    s->period_start_ms = now_ms;
    s->period_bytes_start = bytes_sent;
}

static uint32_t clamp_pct(uint64_t pct)
{
    if (pct < CVG_AC_PCT_MIN)
        return CVG_AC_PCT_MIN;
    if (pct > CVG_AC_PCT_MAX)
        return CVG_AC_PCT_MAX;
    return (uint32_t)pct;
}

/* mig_throttle_guest_down(), with QEMU's integer arithmetic. */
static void step(const struct cvg_ac_params *p, struct cvg_ac_state *s,
                 uint64_t bytes_dirty, uint64_t bytes_threshold)
{
    uint64_t now = s->pct, inc, next;

    if (!s->pct) {
        s->pct = clamp_pct(p->initial_pct);
    } else {
        inc = p->increment_pct;
        if (p->tailslow && bytes_dirty) {
            uint64_t cpu_now = 100 - now;
            uint64_t cpu_ideal = (uint64_t)((double)cpu_now *
                                            ((double)bytes_threshold / (double)bytes_dirty));

            if (cpu_now - cpu_ideal < inc)
                inc = cpu_now - cpu_ideal;
        }
        next = now + inc;
        if (next > p->max_pct)
            next = p->max_pct;
        s->pct = clamp_pct(next);
    }
    s->steps++;
}

bool cvg_ac_on_sync(const struct cvg_ac_params *p, struct cvg_ac_state *s,
                    uint64_t now_ms, uint64_t new_dirty_pages, uint64_t bytes_sent)
{
    uint32_t before = s->pct;
    uint64_t xfer, dirty, threshold;

    s->syncs++;
    s->period_dirty_pages += new_dirty_pages;
    if (now_ms <= s->period_start_ms + p->min_period_ms)
        return false;

    s->evaluations++;
    xfer = bytes_sent - s->period_bytes_start;
    dirty = s->period_dirty_pages * CVG_MIG_PAGE_SIZE;
    threshold = xfer * p->trigger_pct / 100;
    /* The count only moves on a hit: QEMU's `&&` skips the increment otherwise. */
    if (dirty > threshold && ++s->high_cnt >= 2) {
        s->high_cnt = 0;
        step(p, s, dirty, threshold);
    }
    s->period_start_ms = now_ms;
    s->period_dirty_pages = 0;
    s->period_bytes_start = bytes_sent;
    return s->pct != before;
}

uint32_t cvg_ac_cap(uint32_t u0_pct, uint32_t pct, uint32_t nr_vcpus)
{
    uint64_t cap, most = 100ull * (nr_vcpus ? nr_vcpus : 1);

    if (!pct)
        return 0;
    if (pct > 100)
        pct = 100;
    cap = (uint64_t)u0_pct * (100 - pct) / 100;
    if (cap < 1)
        cap = 1;
    if (cap > most)
        cap = most;
    return (uint32_t)cap;
}

uint32_t cvg_cpu_usage_pct(uint64_t dcpu_ns, uint64_t dt_ns)
{
    if (!dt_ns)
        return 0;
    return (uint32_t)((dcpu_ns * 100.0) / (double)dt_ns + 0.5);
}
