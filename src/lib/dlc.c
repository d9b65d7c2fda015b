/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dlc.h"
#include "lib/owner_proto.h"

#define N CVG_DLC_MAX_VCPUS
/* Below this (pages/s, 1 MiB/s) a group's dirtying is not worth a probe. */
#define NEGLIGIBLE_PPS 256.0
/* Weight of the past in a throttled vCPU's average pace (about 5 windows). */
#define CPU_AVG 0.8
/* What is left of the regression's history when the workload changed. */
#define STALE_DISCOUNT 0.1
/* A rate the regression gives with this confidence is acted on. */
#define KNOWN_CONF 0.3

void cvg_dlc_defaults(struct cvg_dlc_params *p)
{
    p->min_share = 0.01;
    p->probe_depth = 0.5;
    p->idle_cpu = 0.02;
    p->cooldown_s = 0.5;
    p->stale_frac = 0.2;
    p->dither = 0.15;
}

void cvg_dlc_init(struct cvg_dlc *d, uint32_t nr_vcpus, const struct cvg_dlc_params *p)
{
    struct cvg_est_params ep;

    memset(d, 0, sizeof(*d));
    d->p = *p;
    d->nr = nr_vcpus > N ? N : nr_vcpus;
    cvg_est_defaults(&ep);
    cvg_est_init(&d->est, d->nr, &ep);
    for (uint32_t v = 0; v < N; v++) {
        d->share[v] = 1;
        d->applied[v] = 1;
    }
    d->last_probe_end_s = -INFINITY;
    d->probe_allowed = true;
    d->refine_target = -1;
}

void cvg_dlc_set_quota(struct cvg_dlc *d, uint32_t v, double pps)
{
    if (v >= d->nr)
        return;
    d->quota[v] = pps > 0 ? pps : 0;
    if (!d->quota[v]) {
        d->share[v] = 1;
        d->learning[v] = false;
    }
}

bool cvg_dlc_probing(const struct cvg_dlc *d)
{
    return d->probe.phase != CVG_PROBE_IDLE;
}

bool cvg_dlc_probe_window(const struct cvg_dlc *d)
{
    uint32_t who[N];

    return d->refine_target >= 0 || cvg_probe_targets(&d->probe, who) > 0;
}

/*
 * The regression's memory of windows from before a change of workload
 * would hold the new rates back for seconds (its half-life is 8 windows):
 * scale the accumulated windows down to a fraction of one (the Gram matrix
 * and the right-hand side together, so the solution is unchanged until new
 * windows arrive).
 */
static void discount(struct cvg_est *e, double f)
{
    for (uint32_t i = 0; i < e->nr; i++) {
        for (uint32_t j = 0; j < e->nr; j++)
            e->G[i * CVG_EST_MAX_VCPUS + j] *= f;
        e->h[i] *= f;
    }
    e->yy *= f;
}

/*
 * Learnt rates go stale when the workload changes: if a window dirtied
 * clearly more than they (and the regression's rates for the others)
 * explain, a vCPU learnt as a light writer or a reader writes now.  The
 * free vCPUs' rates are forgotten, which calls for another round; the
 * throttled ones keep theirs (the regression watches them).
 */
static void check_stale(struct cvg_dlc *d, const struct cvg_dlc_window *w)
{
    const struct cvg_est *e = &d->est;
    double known = 0, y = w->pages / w->dt_s;
    double noise = 3 * sqrt(w->pages > 1 ? w->pages : 1) / w->dt_s;

    for (uint32_t v = 0; v < d->nr; v++) {
        double cpu = w->run_s[v] / w->dt_s;

        known += (e->has_learnt[v] ? e->learnt[v] : e->r[v]) * cpu;
    }
    if (y <= (1 + d->p.stale_frac) * known + noise + NEGLIGIBLE_PPS)
        return;
    for (uint32_t v = 0; v < d->nr; v++)
        if (d->share[v] >= 0.999) {
            cvg_est_forget(&d->est, v);
            d->probed[v] = false;
        }
    discount(&d->est, STALE_DISCOUNT);
}

/*
 * After a round the regression tells the probed vCPUs apart; what it found
 * is kept as learnt, so that when they run in lockstep again (their columns
 * merge as the probe windows age out) the group is split by these rates.
 */
static void keep_what_was_found(struct cvg_dlc *d)
{
    const struct cvg_est *e = &d->est;

    for (uint32_t v = 0; v < d->nr; v++)
        if (!e->unsplit[v] && e->group_size[v] == 1 && e->cpu_rate[v] > d->p.idle_cpu)
            cvg_est_learn(&d->est, v, e->r[v]);
}

void cvg_dlc_observe(struct cvg_dlc *d, const struct cvg_dlc_window *w)
{
    bool round_done = false;
    uint32_t who[N];
    bool hit = false;

    if (w->dt_s <= 0)
        return;
    d->now_s += w->dt_s;
    d->windows++;
    if (d->refine_target >= 0) {
        hit = true;
        d->probed[d->refine_target] = true;
        d->refine_target = -1;
    }
    if (d->probe.phase != CVG_PROBE_IDLE) {
        /* A probe window's dip is the probe's to read (against the windows
         * on both sides); the regression sees only the others. */
        uint32_t nwho = cvg_probe_targets(&d->probe, who);

        hit = hit || nwho > 0;
        for (uint32_t i = 0; i < nwho; i++)
            if (who[i] < d->nr)
                d->probed[who[i]] = true;
        if (cvg_probe_window(&d->probe, &d->est, w->dt_s, w->pages, w->run_s)) {
            d->last_probe_end_s = d->now_s;
            d->rounds++;
            round_done = true;
        }
    }
    /* Probe windows go to the regression too: every window starts from a
     * CLEAN and lasts as long as the others, so a slowed vCPU's dip is just
     * more evidence -- the run times tell who was slowed, and the joint fit
     * weighs every window, where a probe alone judges one dip by itself. */
    cvg_est_add(&d->est, w->dt_s, w->pages, w->run_s);
    cvg_est_solve(&d->est);
    if (round_done)
        keep_what_was_found(d);
    d->last_was_hit = hit;
    for (uint32_t v = 0; v < d->nr; v++) {
        double cpu = w->run_s[v] / w->dt_s, slow;

        if (hit)
            continue;
        d->cpu[v] = cpu;
        d->cpu_avg[v] = d->windows > 1 ? CPU_AVG * d->cpu_avg[v] + (1 - CPU_AVG) * cpu : cpu;
        if (d->applied[v] < 0.999)
            continue;
        /* Peak-following: what the vCPU uses when nothing holds it back. */
        slow = 0.999 * d->u0[v];
        d->u0[v] = !d->u0_set[v] || cpu > slow ? cpu : slow;
        d->u0_set[v] = true;
    }
    if (d->probe.phase == CVG_PROBE_IDLE && !hit)
        check_stale(d, w);
}

static double group_rate(const struct cvg_dlc *d, uint32_t v)
{
    double sum = 0;

    for (uint32_t u = 0; u < d->nr; u++)
        if (d->est.group[u] == d->est.group[v])
            sum += d->est.rate[u];
    return sum;
}

/* Told apart well enough to act on: by the regression with some confidence,
 * or by what was learnt when it was. */
static bool known(const struct cvg_dlc *d, uint32_t v)
{
    const struct cvg_est *e = &d->est;

    return !e->unsplit[v] && (e->has_learnt[v] || e->conf[v] >= KNOWN_CONF);
}

static void start_round(struct cvg_dlc *d)
{
    uint32_t list[N], n = 0;

    /* Free, busy vCPUs not told apart.  Throttled ones are never probed:
     * the dither below keeps them apart.  Those learnt already sit out,
     * unless nobody new is left (then what was learnt no longer adds up:
     * start over). */
    for (int pass = 0; pass < 2 && !n; pass++)
        for (uint32_t v = 0; v < d->nr; v++) {
            if (known(d, v) || d->share[v] < 0.999 || d->est.cpu_rate[v] <= d->p.idle_cpu)
                continue;
            if (pass == 0 && d->est.has_learnt[v])
                continue;
            if (pass == 1)
                cvg_est_forget(&d->est, v);
            list[n++] = v;
        }
    if (n)
        cvg_probe_start(&d->probe, list, n, CVG_PROBE_IDENTIFY, 0);
}

void cvg_dlc_plan(struct cvg_dlc *d, double *share)
{
    struct cvg_est *e = &d->est;
    uint32_t who[N], nwho, k = 0;
    bool need = false;

    if (d->probe.phase == CVG_PROBE_IDLE) {
        for (uint32_t v = 0; v < d->nr; v++) {
            double s;

            d->learning[v] = false;
            if (d->quota[v] <= 0) {
                d->share[v] = 1;
                continue;
            }
            if (!known(d, v)) {
                /* Nothing is throttled on a guess (a throttled vCPU keeps
                 * its share meanwhile).  Only if its whole group could
                 * exceed the limit is it worth learning: a reader among
                 * readers is not. */
                if (d->share[v] < 0.999 || group_rate(d, v) > d->quota[v]) {
                    d->learning[v] = true;
                    need = true;
                }
                continue;
            }
            s = e->r[v] > 0 ? d->quota[v] / e->r[v] : 1;
            if (d->u0_set[v] && s >= d->u0[v])
                s = 1;
            if (s < d->p.min_share)
                s = d->p.min_share;
            if (s > 1)
                s = 1;
            /* Keep the rate behind the share: should the vCPU later run in
             * step with others, the group is split by what was learnt. */
            if (s < 0.999 && e->r[v] > 0)
                cvg_est_learn(e, v, e->r[v]);
            d->share[v] = s;
        }
        if (d->identify)
            for (uint32_t v = 0; v < d->nr; v++)
                if (!known(d, v) && e->cpu_rate[v] > d->p.idle_cpu &&
                    group_rate(d, v) > NEGLIGIBLE_PPS)
                    need = true;
        if (need && d->probe_allowed && d->now_s >= d->last_probe_end_s + d->p.cooldown_s)
            start_round(d);
    }
    for (uint32_t v = 0; v < d->nr; v++)
        share[v] = d->share[v];
    nwho = cvg_probe_targets(&d->probe, who);
    for (uint32_t i = 0; i < nwho; i++)
        if (who[i] < d->nr)
            share[who[i]] = 1 - d->p.probe_depth;
    /*
     * Dither: a throttled vCPU at a constant share runs in proportion to
     * everyone else, and the regression slowly loses sight of which of them
     * dirties what.  Each throttled vCPU's share goes up and down by
     * `dither` around its value, on a pattern of its own (window bit k for
     * the k-th: orthogonal for up to 8), so the mean holds the limit and the
     * windows keep telling them apart.  Not during a round: it compares
     * windows that differ in the probe alone.
     */
    if (d->probe.phase == CVG_PROBE_IDLE)
        for (uint32_t v = 0; v < d->nr; v++) {
            if (d->share[v] >= 0.999 || d->quota[v] <= 0)
                continue;
            share[v] *= (d->windows >> (k++ % 8)) & 1 ? 1 + d->p.dither : 1 - d->p.dither;
            if (share[v] > 1)
                share[v] = 1;
        }
    /* Refinement (see dlc.h): every other window, the next busy free vCPU. */
    if (d->identify && d->probe_allowed && d->probe.phase == CVG_PROBE_IDLE) {
        d->refine_hit = !d->refine_hit;
        for (uint32_t i = 0; d->refine_hit && i < d->nr; i++) {
            uint32_t v = (d->refine_next + i) % d->nr;

            if (d->share[v] < 0.999 || e->cpu_rate[v] <= d->p.idle_cpu)
                continue;
            share[v] = 1 - d->p.probe_depth;
            d->refine_target = (int32_t)v;
            d->refine_next = v + 1;
            break;
        }
    }
    memcpy(d->applied, share, d->nr * sizeof(*share));
}

double cvg_dlc_rate(const struct cvg_dlc *d, uint32_t v)
{
    double cpu;

    if (v >= d->nr)
        return 0;
    /* A throttled vCPU at its average pace over the last windows (the
     * dither averages out); a free one at the pace of the last window that
     * was not a probe (the estimator's smoothed CPU rate would lag a change
     * by a second).  Both measured, not what the share promises. */
    cpu = d->share[v] < 0.999 ? d->cpu_avg[v] : d->cpu[v];
    return d->est.r[v] * cpu;
}

double cvg_dlc_confidence(const struct cvg_dlc *d, uint32_t v)
{
    return v < d->nr ? d->est.conf[v] : 0;
}

uint32_t cvg_dlc_flags(const struct cvg_dlc *d, uint32_t v)
{
    const struct cvg_est *e = &d->est;
    uint32_t f = 0;

    if (v >= d->nr)
        return 0;
    if (e->cpu_rate[v] <= d->p.idle_cpu)
        f |= CVG_OWN_VCPU_IDLE;
    if (e->unsplit[v])
        f |= CVG_OWN_VCPU_UNSPLIT;
    else if (d->probed[v])
        f |= CVG_OWN_VCPU_PROBED;
    if (d->quota[v] > 0)
        f |= CVG_OWN_VCPU_LIMITED;
    return f;
}
