/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * QEMU dirty-limit (8.1), reproduced as the `dirty-limit` baseline and as our
 * standalone per-vCPU limiter.
 *
 * Measurement (migration/dirtyrate.c, do_calculate_dirtyrate): a vCPU's rate
 * over a period is MiB(pages) x 1000 / period_ms, the page count truncated to
 * whole MiB *before* the division, as QEMU does (a vCPU dirtying less than
 * 256 pages in a period measures 0).
 *
 * Controller (system/dirtylimit.c, dirtylimit_set_throttle), per enabled vCPU
 * with quota Q and current rate C, both MiB/s, once per period:
 *   C == 0                      -> no sleep at all
 *   |Q - C| <= 25               -> leave it (dead band)
 *   |Q - C| x 100 / max(Q,C) > 50 (linear region):
 *       sleep_pct = |C - Q| x 100 / C  (up)  or  |Q - C| x 100 / Q  (down)
 *       delta     = ring_full_time x sleep_pct / (100 - sleep_pct)
 *   else (fine region):
 *       delta     = ring_full_time / 10
 *   throttle_us_per_full += delta (C > Q) or -= delta (C < Q),
 *   clamped to [0, 99 x ring_full_time]
 * where ring_full_time = ring_MiB x 1e6 / (the largest rate ever measured):
 * QEMU's estimate of how long a ring takes to fill.  The sleep is served by
 * the vCPU itself each time its own dirty ring fills, so a vCPU that does not
 * write never sleeps: readers are never throttled.
 *
 * Migration integration: the trigger is auto-converge's (two hits of
 * "dirtied > 50 % of sent"); on it every vCPU gets the quota
 * (vcpu-dirty-limit, default 1 MiB/s).
 *
 * Xen has no dirty ring: cvg_dl_duty() turns a sleep per ring-full into the
 * share of time the vCPU runs, for budget-style actuators.
 */
#ifndef CVG_POLICY_DIRTY_LIMIT_H
#define CVG_POLICY_DIRTY_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define CVG_DL_MAX_VCPUS            128
#define CVG_DL_TOLERANCE_MIB_S      25      /* DIRTYLIMIT_TOLERANCE_RANGE */
#define CVG_DL_LINEAR_ADJUST_PCT    50      /* DIRTYLIMIT_LINEAR_ADJUSTMENT_PCT */
#define CVG_DL_THROTTLE_PCT_MAX     99      /* DIRTYLIMIT_THROTTLE_PCT_MAX */
#define CVG_DL_DEFAULT_QUOTA_MIB_S  1       /* vcpu-dirty-limit */
#define CVG_DL_DEFAULT_PERIOD_MS    1000    /* x-vcpu-dirty-limit-period */
#define CVG_DL_DEFAULT_RING_PAGES   4096    /* dirty-ring-size QEMU's tests use */

struct cvg_dl_params {
    uint32_t quota_mib_s;
    uint32_t period_ms;
    uint32_t ring_pages;        /* entries per vCPU ring (pages) */
};

struct cvg_dl_vcpu {
    bool enabled;
    uint64_t quota;             /* MiB/s */
    uint64_t current;           /* MiB/s, last measurement */
    int64_t throttle_us_per_full;
};

struct cvg_dl_state {
    uint32_t nr_vcpus;
    uint64_t ring_mib;          /* ring size in whole MiB (QEMU truncates) */
    uint64_t max_rate;          /* largest rate ever measured, MiB/s */
    struct cvg_dl_vcpu v[CVG_DL_MAX_VCPUS];
};

void cvg_dl_defaults(struct cvg_dl_params *p);
void cvg_dl_init(struct cvg_dl_state *s, const struct cvg_dl_params *p, uint32_t nr_vcpus);

/* QEMU's rate in MiB/s: whole MiB of pages, x 1000 / period. */
uint64_t cvg_dl_rate_mib_s(uint64_t pages, uint64_t period_ms);

/* Enable (quota > 0) or cancel (quota 0: sleep cleared) every vCPU. */
void cvg_dl_set_all(struct cvg_dl_state *s, uint64_t quota_mib_s);
void cvg_dl_set_vcpu(struct cvg_dl_state *s, uint32_t vcpu, uint64_t quota_mib_s);

/* ring_full_time for a measured rate; raises the remembered maximum. */
uint64_t cvg_dl_ring_full_time_us(struct cvg_dl_state *s, uint64_t rate_mib_s);

/* dirtylimit_set_throttle() for one vCPU. */
void cvg_dl_set_throttle(struct cvg_dl_state *s, uint32_t vcpu, uint64_t quota,
                         uint64_t current);

/* One period: rates[v] in MiB/s for every vCPU (dirtylimit_process). */
void cvg_dl_process(struct cvg_dl_state *s, const uint64_t *rates_mib_s);

/*
 * Share of wall time a vCPU runs when it sleeps sleep_us after every
 * ring_pages pages it dirties, dirtying entry_rate_pps pages per second while
 * it runs: fill / (fill + sleep).  1 for a vCPU that does not dirty.
 */
double cvg_dl_duty(int64_t sleep_us, double entry_rate_pps, uint32_t ring_pages);

#endif
