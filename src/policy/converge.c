/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "policy/converge.h"

#define N CVG_EST_MAX_VCPUS
/* A vCPU running less than this CPU-s per s is idle (no pre-throttle use). */
#define IDLE_CPU 0.02
/* Passes the prediction follows at most. */
#define MAX_PASSES 400
/* No second probe round sooner than this after one ended (s). */
#define PROBE_COOLDOWN_S 10.0
/* Throttled vCPUs are probed again after this long (s). */
#define REPROBE_S 30.0
/* Writers below this fraction of the heaviest are left alone. */
#define LIGHT_FRAC 0.1
/* Growth seen before a first plan (s of full-speed writing). */
#define EVIDENCE_S 1.0
/* A window dirtying this much more than learnt rates explain is news. */
#define STALE_FACTOR 2.0

void cvg_cv_defaults(struct cvg_cv_params *p)
{
    p->target_factor = 1.5;
    p->min_share = 0.01;
    p->probe_depth = 0.5;
    p->probe_window_ms = 50;
    p->writer_frac = 0.01;
    p->significant_frac = 0.25;
}

/* ---- growth curve --------------------------------------------------- */

void cvg_curve_reset(struct cvg_curve *c)
{
    c->n = 0;
    c->gap = 0;
}

void cvg_curve_add(struct cvg_curve *c, double tau, double pages)
{
    if (tau <= 0)
        return;
    if (c->n) {
        uint32_t last = c->n - 1;
        double before = last ? c->tau[last - 1] : 0;

        if (pages < c->pages[last])
            pages = c->pages[last];
        if (tau <= c->tau[last]) {
            c->pages[last] = pages;
            return;
        }
        /* The newest point is provisional until it stands a gap apart from
         * the one before: spacing stays even along the whole curve. */
        if (c->tau[last] - before < c->gap) {
            c->tau[last] = tau;
            c->pages[last] = pages;
            return;
        }
    }
    if (c->n == CVG_CURVE_MAX) {
        /* Keep every other point and the newest; double the spacing. */
        uint32_t k = 0;

        for (uint32_t i = 0; i + 1 < c->n; i += 2) {
            c->tau[k] = c->tau[i];
            c->pages[k++] = c->pages[i];
        }
        c->tau[k] = c->tau[c->n - 1];
        c->pages[k++] = c->pages[c->n - 1];
        c->n = k;
        c->gap = 2 * c->tau[c->n - 1] / c->n;
    }
    c->tau[c->n] = tau;
    c->pages[c->n++] = pages;
}

/* Piecewise linear through (0,0) and the samples; clamps at the ends. */
static double interp(const struct cvg_curve *c, double tau)
{
    uint32_t lo = 0, hi;
    double t0, p0;

    if (!c->n || tau <= 0)
        return 0;
    if (tau >= c->tau[c->n - 1])
        return c->pages[c->n - 1];
    hi = c->n - 1;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;

        if (c->tau[mid] < tau)
            lo = mid + 1;
        else
            hi = mid;
    }
    t0 = lo ? c->tau[lo - 1] : 0;
    p0 = lo ? c->pages[lo - 1] : 0;
    return p0 + (c->pages[lo] - p0) * (tau - t0) / (c->tau[lo] - t0);
}

/* Slope over the last quarter of the curve's range (pages per tau-s). */
static double tail_slope(const struct cvg_curve *c)
{
    double tl, pl, t0 = 0, p0 = 0;

    if (!c->n)
        return 0;
    tl = c->tau[c->n - 1];
    pl = c->pages[c->n - 1];
    for (uint32_t i = 0; i + 1 < c->n; i++)
        if (c->tau[i] <= 0.75 * tl) {
            t0 = c->tau[i];
            p0 = c->pages[i];
        }
    return tl > t0 ? (pl - p0) / (tl - t0) : 0;
}

double cvg_cv_growth(const struct cvg_curve *cur, const struct cvg_curve *prev,
                     double fallback_pps, double memory_pages, double tau)
{
    double base = 0, base_tau = 0, slope = fallback_pps, clean, g;

    if (tau <= 0)
        return 0;
    if (cur->n) {
        if (tau <= cur->tau[cur->n - 1])
            return interp(cur, tau);
        base = cur->pages[cur->n - 1];
        base_tau = cur->tau[cur->n - 1];
        slope = tail_slope(cur);
    }
    if (prev->n && prev->tau[prev->n - 1] > base_tau) {
        double end = prev->tau[prev->n - 1];
        double upto = tau < end ? tau : end;
        double inc = interp(prev, upto) - interp(prev, base_tau);

        base += inc > 0 ? inc : 0;
        if (tau <= end)
            return base < memory_pages ? base : memory_pages;
        base_tau = end;
        slope = tail_slope(prev);
    }
    /* Beyond every measurement: the last slope, landing on clean pages. */
    clean = memory_pages - base;
    if (clean <= 0)
        return memory_pages;
    if (slope < 0)
        slope = 0;
    g = memory_pages - clean * exp(-slope * (tau - base_tau) / clean);
    return g;
}

/* ---- prediction and choice ------------------------------------------ */

struct cvg_cv_prediction cvg_cv_predict(const struct cvg_cv_view *v,
                                        const struct cvg_curve *cur,
                                        const struct cvg_curve *prev,
                                        double fallback_pps, double share_now,
                                        double share_later)
{
    struct cvg_cv_prediction p = { false, INFINITY, INFINITY, 0, INFINITY, 1 };
    double t = v->now_s, s, T, lost;
    int growing = 0;

    if (v->bw_pps <= 0)
        return p;
    T = v->remaining_pages / v->bw_pps;
    s = cvg_cv_growth(cur, prev, fallback_pps, v->memory_pages, v->tau + share_now * T);
    t += T;
    lost = (1 - share_now) * T;
    for (uint32_t k = 0; k < MAX_PASSES; k++) {
        double next;

        if (s / v->bw_pps <= v->limit_s) {
            p.converges = true;
            p.downtime_s = s / v->bw_pps;
            p.end_s = t + p.downtime_s;
            p.passes = k;
            p.lost_s = lost;
            return p;
        }
        if (t > v->horizon_s)
            break;
        T = s / v->bw_pps;
        next = cvg_cv_growth(cur, prev, fallback_pps, v->memory_pages, share_later * T);
        /* A set that stops shrinking never fits (the loop has no floor). */
        growing = next >= 0.999 * s ? growing + 1 : 0;
        if (growing >= 3)
            break;
        t += T;
        lost += (1 - share_later) * T;
        s = next;
    }
    p.passes = MAX_PASSES;
    return p;
}

static bool meets(const struct cvg_cv_prediction *p, double deadline)
{
    return p->converges && p->end_s <= deadline;
}

/* Largest share for the later passes meeting the deadline, given share_now. */
static double best_later(const struct cvg_cv_view *v, const struct cvg_curve *cur,
                         const struct cvg_curve *prev, double fallback_pps,
                         double min_share, double share_now,
                         struct cvg_cv_prediction *pred)
{
    struct cvg_cv_prediction p;
    double lo = min_share, hi = 1;

    p = cvg_cv_predict(v, cur, prev, fallback_pps, share_now, 1.0);
    if (meets(&p, v->deadline_s)) {
        *pred = p;
        return 1.0;
    }
    p = cvg_cv_predict(v, cur, prev, fallback_pps, share_now, min_share);
    *pred = p;
    if (!meets(&p, v->deadline_s))
        return -1;
    for (int i = 0; i < 12; i++) {
        double mid = (lo + hi) / 2;
        struct cvg_cv_prediction q = cvg_cv_predict(v, cur, prev, fallback_pps,
                                                    share_now, mid);

        if (meets(&q, v->deadline_s)) {
            lo = mid;
            *pred = q;
        } else {
            hi = mid;
        }
    }
    return lo;
}

double cvg_cv_choose(const struct cvg_cv_view *v, const struct cvg_curve *cur,
                     const struct cvg_curve *prev, double fallback_pps,
                     double min_share, struct cvg_cv_prediction *pred)
{
    /* Candidate shares for the rest of this pass: geometric down to the floor. */
    static const double grid[] = { 1.0, 0.8, 0.63, 0.5, 0.4, 0.32, 0.25, 0.2,
                                   0.16, 0.12, 0.09, 0.06, 0.04, 0.025 };
    struct cvg_cv_prediction best = { false, INFINITY, INFINITY, 0, INFINITY, 1 }, q;
    double best_now = min_share, best_later_share = min_share;
    bool found = false;

    if (min_share > 1)
        min_share = 1;
    for (unsigned i = 0; i <= sizeof(grid) / sizeof(grid[0]); i++) {
        double now = i < sizeof(grid) / sizeof(grid[0]) ? grid[i] : min_share, later;

        if (now < min_share)
            now = min_share;
        later = best_later(v, cur, prev, fallback_pps, min_share, now, &q);
        if (later < 0)
            continue;
        /* The writers' time lost, the measure of a plan's visibility. */
        if (!found || q.lost_s < best.lost_s - 1e-9) {
            best = q;
            best_now = now;
            best_later_share = later;
            found = true;
        }
        if (now <= min_share)
            break;
    }
    if (!found) {
        /* Nothing meets the deadline: the earliest end there is. */
        best = cvg_cv_predict(v, cur, prev, fallback_pps, min_share, min_share);
        best_now = best_later_share = min_share;
    }
    best.share_later = best_later_share;
    *pred = best;
    return best_now;
}

void cvg_cv_waterfill(const double *rate, const bool *throttleable, uint32_t n,
                      double allowed, double min_share, double *share)
{
    double total = 0, top = 0, lo, hi;

    for (uint32_t v = 0; v < n; v++) {
        share[v] = 1;
        if (throttleable[v] && rate[v] > 0) {
            total += rate[v];
            if (rate[v] > top)
                top = rate[v];
        }
    }
    if (allowed >= total || total <= 0)
        return;
    if (allowed <= min_share * total) {
        for (uint32_t v = 0; v < n; v++)
            if (throttleable[v] && rate[v] > 0)
                share[v] = min_share;
        return;
    }
    /* Find the quota q: sum clamp(q / rate, min_share, 1) x rate = allowed. */
    lo = 0;
    hi = top;
    for (int i = 0; i < 60; i++) {
        double q = (lo + hi) / 2, got = 0;

        for (uint32_t v = 0; v < n; v++) {
            if (!throttleable[v] || rate[v] <= 0)
                continue;
            double s = q / rate[v];

            s = s < min_share ? min_share : (s > 1 ? 1 : s);
            got += s * rate[v];
        }
        if (got > allowed)
            hi = q;
        else
            lo = q;
    }
    for (uint32_t v = 0; v < n; v++) {
        if (!throttleable[v] || rate[v] <= 0)
            continue;
        double s = lo / rate[v];

        share[v] = s < min_share ? min_share : (s > 1 ? 1 : s);
    }
}

/* ---- the controller ------------------------------------------------- */

void cvg_cv_init(struct cvg_cv_state *s, const struct cvg_cv_params *p,
                 const struct cvg_est_params *ep, uint32_t nr_vcpus)
{
    memset(s, 0, sizeof(*s));
    s->p = *p;
    s->nr = nr_vcpus > N ? N : nr_vcpus;
    cvg_est_init(&s->est, s->nr, ep);
    for (uint32_t v = 0; v < s->nr; v++) {
        s->share[v] = 1;
        s->applied[v] = 1;
    }
    s->share_agg = 1;
    s->pred.end_s = INFINITY;
    s->pred.downtime_s = INFINITY;
    s->pred.lost_s = INFINITY;
    s->pred.share_later = 1;
    s->last_probe_end_s = -INFINITY;
}

/*
 * Probe results go stale when the workload changes.  What was learnt
 * (fresh rates, an upper bound for any window) must explain what a window
 * dirtied; if the window dirtied clearly more, someone not known as a
 * writer writes now: the unthrottled vCPUs' rates are forgotten, which
 * makes them unknown and calls for a new probe round.
 */
static void check_learnt(struct cvg_cv_state *s, const struct cvg_cv_window *w)
{
    const struct cvg_est *e = &s->est;
    double known = 0, other = 0, y = w->dirty_pages / w->dt_s;
    double noise = 3 * sqrt(w->dirty_pages > 1 ? w->dirty_pages : 1) / w->dt_s;

    for (uint32_t v = 0; v < s->nr; v++) {
        double cpu = w->run_s[v] / w->dt_s;

        if (e->has_learnt[v])
            known += e->learnt[v] * cpu;
        else
            other += e->r[v] * cpu;
    }
    /* Rates measured at one speed only roughly hold at another (a dirty set
     * saturates): only an excess that matters to the link is news. */
    if (y <= STALE_FACTOR * known + other + noise + s->p.significant_frac * s->last_bw_pps)
        return;
    for (uint32_t v = 0; v < s->nr; v++)
        if (s->share[v] >= 0.999)
            cvg_est_forget(&s->est, v);
    s->stale_events++;
    s->recheck_due = true;      /* a throttled writer may have stopped too */
}

void cvg_cv_observe(struct cvg_cv_state *s, const struct cvg_cv_window *w)
{
    double sum = 0, ran = 0;
    bool probing = s->probe.phase != CVG_PROBE_IDLE;

    if (w->dt_s <= 0)
        return;
    s->now_s += w->dt_s;
    if (s->probe.phase != CVG_PROBE_IDLE) {
        /* A probe window's dip is the probe's to interpret, against the
         * windows on both sides; the regression sees the others. */
        uint32_t who[N];
        bool hit = cvg_probe_targets(&s->probe, who) > 0;

        if (cvg_probe_window(&s->probe, &s->est, w->dt_s, w->dirty_pages, w->run_s))
            s->last_probe_end_s = s->now_s;
        if (!hit)
            cvg_est_add(&s->est, w->dt_s, w->dirty_pages, w->run_s);
    } else {
        cvg_est_add(&s->est, w->dt_s, w->dirty_pages, w->run_s);
    }
    cvg_est_solve(&s->est);
    if (s->probe.phase == CVG_PROBE_IDLE)
        check_learnt(s, w);

    for (uint32_t v = 0; v < s->nr; v++) {
        double cpu = w->run_s[v] / w->dt_s, r;

        /* Probe rounds refresh before every window: their pauses would
         * read as a lower U0. */
        if (s->applied[v] >= 0.999 && !probing) {
            /* Peak-following: windows cut by a CLEAN's pause read low, and
             * a low U0 would make throttled vCPUs look faster than they are. */
            double slow = 0.999 * s->u0[v];

            s->u0[v] = !s->u0_set[v] || cpu > slow ? cpu : slow;
            s->u0_set[v] = true;
        }
        /* A probe's fresh rate beats the regression's (saturated) one. */
        r = s->est.has_learnt[v] ? s->est.learnt[v] : s->est.r[v];
        s->full_rate[v] = s->u0[v] > IDLE_CPU ? r * s->u0[v] : 0;
        if (s->full_rate[v] > 0) {
            double a = cpu / s->u0[v];

            sum += s->full_rate[v];
            ran += s->full_rate[v] * (a < 1 ? a : 1);
        }
    }
    s->tau += w->dt_s * (sum > 0 ? ran / sum : 1);
}

void cvg_cv_sample(struct cvg_cv_state *s, double pass_dirty_pages)
{
    cvg_curve_add(&s->cur, s->tau, pass_dirty_pages);
}

void cvg_cv_pass_end(struct cvg_cv_state *s, double final_pages)
{
    struct cvg_curve old = s->prev;
    double t_end, p_end;

    cvg_curve_add(&s->cur, s->tau, final_pages);
    if (s->cur.n) {
        /* The new curve, continued by the old one's shape past its end. */
        s->prev = s->cur;
        t_end = s->cur.tau[s->cur.n - 1];
        p_end = s->cur.pages[s->cur.n - 1];
        for (uint32_t i = 0; i < old.n; i++)
            if (old.tau[i] > t_end)
                cvg_curve_add(&s->prev, old.tau[i],
                              p_end + old.pages[i] - interp(&old, t_end));
    }
    cvg_curve_reset(&s->cur);
    s->tau = 0;
}

/*
 * A plan extrapolates the growth curve over the rest of the pass: from a
 * fraction of a second of it, a hot set still filling looks like a writer
 * that never stops.  Plan once the curve spans EVIDENCE_S (or a quarter of
 * a full copy, for small guests), or once a previous pass gave its shape.
 */
static bool enough_curve(const struct cvg_cv_state *s, const struct cvg_cv_view *v)
{
    double need = fmin(EVIDENCE_S, 0.25 * v->memory_pages / v->bw_pps);

    return s->prev.n || (s->cur.n && s->cur.tau[s->cur.n - 1] >= need);
}

/* Known: learnt by a probe, or told apart by the regression with confidence. */
static bool known(const struct cvg_cv_state *s, uint32_t v)
{
    const struct cvg_est *e = &s->est;

    return e->has_learnt[v] ||
           (!e->unsplit[v] && e->group_size[v] == 1 && e->conf[v] >= 0.5);
}

static void start_round(struct cvg_cv_state *s, bool throttled_only, double window_s)
{
    uint32_t list[N], n = 0;

    for (uint32_t v = 0; v < s->nr; v++) {
        if (s->u0[v] <= IDLE_CPU)
            continue;
        /* A round probes the free vCPUs (lowered) or the throttled ones
         * (raised), never both in one group. */
        if (throttled_only != (s->share[v] < 0.999))
            continue;
        list[n++] = v;
    }
    if (!n)
        return;
    cvg_probe_start(&s->probe, list, n,
                    throttled_only ? CVG_PROBE_RECHECK : CVG_PROBE_IDENTIFY, 0.8 * window_s);
    s->probe_rounds++;
}

uint32_t cvg_cv_plan(struct cvg_cv_state *s, const struct cvg_cv_view *v,
                     uint32_t sample_ms, double *share)
{
    bool thr[N], throttling = false;
    double total = 0, fixed = 0, unknown = 0, a_min, allowed, top = 0;
    uint32_t who[N], nwho;
    /* Probe windows long beside the refresh that starts each of them. */
    double window_s = fmax(s->p.probe_window_ms / 1000.0, 10 * v->walk_s);

    for (uint32_t i = 0; i < s->nr; i++)
        top = fmax(top, s->full_rate[i]);
    for (uint32_t i = 0; i < s->nr; i++) {
        bool k = known(s, i);

        /* A writer dirties a share of the link, and not a sliver of what
         * the heaviest writer does (that is as likely a probe's noise). */
        thr[i] = k && s->full_rate[i] >= s->p.writer_frac * v->bw_pps &&
                 s->full_rate[i] >= LIGHT_FRAC * top && s->u0[i] > IDLE_CPU;
        total += s->full_rate[i];
        if (!thr[i])
            fixed += s->full_rate[i];
        if (!k)
            unknown += s->full_rate[i];
    }
    s->last_bw_pps = v->bw_pps;
    /* A probe round compares windows: no throttle changes under it. */
    if (v->bw_pps > 0 && s->probe.phase == CVG_PROBE_IDLE && enough_curve(s, v)) {
        a_min = total > 0 ? (fixed + s->p.min_share * (total - fixed)) / total : 1;
        s->share_agg = cvg_cv_choose(v, &s->cur, &s->prev, total, a_min, &s->pred);
        allowed = s->share_agg * total - fixed;
        cvg_cv_waterfill(s->full_rate, thr, s->nr, allowed, s->p.min_share, s->share);
        s->planned = true;
        for (uint32_t i = 0; i < s->nr; i++)
            if (s->share[i] < 0.999)
                throttling = true;

        if (s->probe.phase == CVG_PROBE_IDLE) {
            bool cooled = s->now_s >= s->last_probe_end_s + PROBE_COOLDOWN_S;
            bool need = s->share_agg < 1 || s->pred.share_later < 1 ||
                        !meets(&s->pred, v->deadline_s);

            /* Writers hidden among vCPUs that cannot be told apart: identify
             * them before they matter (at once when the workload changed). */
            if (unknown >= s->p.writer_frac * v->bw_pps && need &&
                (cooled || s->recheck_due)) {
                start_round(s, false, window_s);
            } else if (throttling && (s->recheck_due ||
                                      s->now_s >= s->last_probe_end_s + REPROBE_S)) {
                /* Throttled vCPUs are re-measured now and then, and after a
                 * change: a writer that stopped must not stay throttled. */
                start_round(s, true, window_s);
                s->recheck_due = false;
            }
        }
    }
    for (uint32_t i = 0; i < s->nr; i++)
        share[i] = s->share[i];
    nwho = cvg_probe_targets(&s->probe, who);
    for (uint32_t i = 0; i < nwho; i++)
        if (who[i] < s->nr)
            share[who[i]] = s->share[who[i]] < 0.999 ? 1.0 : 1 - s->p.probe_depth;
    memcpy(s->applied, share, s->nr * sizeof(*share));
    /* Probe and base windows are equally long: with a saturating dirty set
     * a shorter window reads a higher rate. */
    return s->probe.phase != CVG_PROBE_IDLE ? (uint32_t)lround(window_s * 1000) : sample_ms;
}
