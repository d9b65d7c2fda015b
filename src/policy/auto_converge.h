/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * QEMU auto-converge, reproduced rule for rule, as the `auto-converge`
 * baseline and as our domain-wide throttle.
 *
 * Trigger (QEMU migration_bitmap_sync + migration_trigger_throttle): at a
 * bitmap sync, if the period since the last evaluation is longer than
 * min_period_ms (1 s), compare the bytes dirtied in the period (newly dirty
 * pages found by the syncs of the period x page size) with the bytes sent in
 * it.  When dirtied > sent x trigger_pct / 100, count a hit; the second hit
 * since the last step steps the throttle and clears the count.  QEMU does not
 * clear the count on a miss (the `&&` short-circuits), so "hit, miss, hit"
 * steps too: this is two hits since the last step, not two in a row.  Then
 * the period counters restart.
 *
 * Step (mig_throttle_guest_down): first step to initial_pct, later steps add
 * increment_pct (or, with tailslow, min(cpu_now - cpu_ideal, increment) where
 * cpu_ideal = cpu_now x threshold / dirtied), capped at max_pct and clamped to
 * 1..99 (cpu_throttle_set).  It never steps down during a migration.
 *
 * Syncs: once per pass (the CLEAN that sizes the next pass); with QEMU 9.2's
 * periodic sync also every few seconds of a long pass (see refresh.h).
 *
 * Actuation on Xen: QEMU makes every vCPU sleep p/(1-p) x 10 ms per 10 ms
 * run; Xen's lever is the credit/credit2 domain cap, an absolute ceiling, so
 * the cap is derived from the domain's CPU use measured *before* throttling
 * (U0, kept fixed: a cap computed from throttled use would spiral down):
 * cap = max(1, U0 x (100 - p) / 100), in percent of one pCPU.
 */
#ifndef CVG_POLICY_AUTO_CONVERGE_H
#define CVG_POLICY_AUTO_CONVERGE_H

#include <stdbool.h>
#include <stdint.h>

/* QEMU's defaults (migration/options.c) and hard clamp (cpu-throttle.c). */
#define CVG_AC_DEFAULT_TRIGGER_PCT    50
#define CVG_AC_DEFAULT_INITIAL_PCT    20
#define CVG_AC_DEFAULT_INCREMENT_PCT  10
#define CVG_AC_DEFAULT_MAX_PCT        99
#define CVG_AC_MIN_PERIOD_MS          1000
#define CVG_AC_PCT_MIN                1
#define CVG_AC_PCT_MAX                99

struct cvg_ac_params {
    uint32_t trigger_pct;       /* throttle-trigger-threshold, 1..100 */
    uint32_t initial_pct;       /* cpu-throttle-initial */
    uint32_t increment_pct;     /* cpu-throttle-increment */
    uint32_t max_pct;           /* max-cpu-throttle */
    bool tailslow;              /* cpu-throttle-tailslow */
    uint32_t min_period_ms;     /* evaluate only periods longer than this */
};

struct cvg_ac_state {
    uint32_t pct;               /* current throttle, 0 = not throttling */
    uint32_t high_cnt;          /* hits since the last step (dirty_rate_high_cnt) */
    uint64_t period_start_ms;   /* time_last_bitmap_sync */
    uint64_t period_dirty_pages;/* num_dirty_pages_period */
    uint64_t period_bytes_start;/* bytes_xfer_prev */
    uint32_t syncs;             /* syncs seen (dirty_sync_count) */
    uint32_t evaluations;       /* periods evaluated */
    uint32_t steps;             /* throttle changes */
};

void cvg_ac_defaults(struct cvg_ac_params *p);

/* The migration starts (QEMU's setup sync): the first period begins now. */
void cvg_ac_init(struct cvg_ac_state *s, uint64_t now_ms, uint64_t bytes_sent);

/*
 * A bitmap sync at now_ms found new_dirty_pages pages newly dirty;
 * bytes_sent is everything written to the wire so far.  Returns true when
 * the throttle stepped (s->pct holds the new value).
 */
bool cvg_ac_on_sync(const struct cvg_ac_params *p, struct cvg_ac_state *s,
                    uint64_t now_ms, uint64_t new_dirty_pages, uint64_t bytes_sent);

/*
 * Credit/credit2 cap for a throttle, in percent of one pCPU: 0 when pct is 0
 * (the caller restores the cap it saved: 0 is "uncapped" on credit2), else
 * max(1, u0_pct x (100 - pct) / 100), at most 100 x nr_vcpus (credit2
 * refuses more).  u0_pct: domain CPU use before throttling (cvg_cpu_usage_pct).
 */
uint32_t cvg_ac_cap(uint32_t u0_pct, uint32_t pct, uint32_t nr_vcpus);

/* CPU use in percent of one pCPU from a cpu_time delta over dt (ns), rounded. */
uint32_t cvg_cpu_usage_pct(uint64_t dcpu_ns, uint64_t dt_ns);

#endif
