/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "policy/estimator.h"

#define N CVG_EST_MAX_VCPUS
/* 1 - cos at which two columns count as fully apart for the confidence. */
#define APART 0.01

void cvg_est_defaults(struct cvg_est_params *p)
{
    p->half_life = 8;
    p->collinear_cos = 0.9995;
    p->idle_cpu_frac = 0.02;
}

void cvg_est_init(struct cvg_est *e, uint32_t nr_vcpus, const struct cvg_est_params *p)
{
    memset(e, 0, sizeof(*e));
    e->p = *p;
    e->nr = nr_vcpus > N ? N : nr_vcpus;
    e->decay = pow(0.5, 1.0 / (p->half_life > 0.1 ? p->half_life : 0.1));
    e->r2 = 1;
    e->confidence = 1;
    for (uint32_t v = 0; v < e->nr; v++) {
        e->group[v] = v;
        e->group_size[v] = 1;
        e->conf[v] = 1;
    }
}

void cvg_est_add(struct cvg_est *e, double dt_s, double dirty_pages, const double *run_s)
{
    double d = e->decay, y = dirty_pages;
    uint32_t n = e->nr;

    if (dt_s <= 0)
        return;
    if (y < 0)
        y = 0;
    for (uint32_t i = 0; i < n; i++) {
        double xi = run_s[i];

        for (uint32_t j = 0; j < n; j++)
            e->G[i * N + j] = d * e->G[i * N + j] + xi * run_s[j];
        e->h[i] = d * e->h[i] + xi * y;
        e->cpu_rate[i] = e->windows ? d * e->cpu_rate[i] + (1 - d) * xi / dt_s : xi / dt_s;
    }
    e->yy = d * e->yy + y * y;
    e->dirty_rate = e->windows ? d * e->dirty_rate + (1 - d) * y / dt_s : y / dt_s;
    e->windows++;
}

void cvg_est_learn(struct cvg_est *e, uint32_t vcpu, double r_per_cpu_s)
{
    if (vcpu >= e->nr)
        return;
    e->learnt[vcpu] = r_per_cpu_s > 0 ? r_per_cpu_s : 0;
    e->has_learnt[vcpu] = true;
}

void cvg_est_forget(struct cvg_est *e, uint32_t vcpu)
{
    if (vcpu < e->nr)
        e->has_learnt[vcpu] = false;
}

static uint32_t find(uint32_t *parent, uint32_t v)
{
    while (parent[v] != v) {
        parent[v] = parent[parent[v]];
        v = parent[v];
    }
    return v;
}

/* Solves G[P,P] x = h[P] by Cholesky (G positive semi-definite: a tiny
 * ridge keeps it solvable); x is written at the passive indices. */
static void solve_passive(const double *g, const double *h, const bool *passive,
                          uint32_t n, double *x, double *l, uint32_t *idx)
{
    uint32_t k = 0;
    double ridge = 0;

    for (uint32_t i = 0; i < n; i++)
        if (passive[i]) {
            idx[k++] = i;
            ridge += g[i * N + i];
        }
    ridge = ridge > 0 ? 1e-12 * ridge / k : 1e-300;
    for (uint32_t a = 0; a < k; a++) {
        for (uint32_t b = 0; b <= a; b++) {
            double sum = g[idx[a] * N + idx[b]] + (a == b ? ridge : 0);

            for (uint32_t c = 0; c < b; c++)
                sum -= l[a * N + c] * l[b * N + c];
            if (a == b)
                l[a * N + a] = sum > 0 ? sqrt(sum) : sqrt(ridge);
            else
                l[a * N + b] = sum / l[b * N + b];
        }
    }
    /* L y = h, then L' x = y. */
    for (uint32_t a = 0; a < k; a++) {
        double sum = h[idx[a]];

        for (uint32_t c = 0; c < a; c++)
            sum -= l[a * N + c] * x[idx[c]];
        x[idx[a]] = sum / l[a * N + a];
    }
    for (uint32_t a = k; a-- > 0;) {
        double sum = x[idx[a]];

        for (uint32_t c = a + 1; c < k; c++)
            sum -= l[c * N + a] * x[idx[c]];
        x[idx[a]] = sum / l[a * N + a];
    }
}

/*
 * min 1/2 p'Gp - h'p subject to p >= 0: Lawson and Hanson's active-set
 * method on the normal equations.  Exact in a finite number of steps, which
 * matters here: nearly collinear columns make iterative methods crawl.
 */
static void nnls(struct cvg_est *e, const double *g, const double *h, double *p, uint32_t n)
{
    bool passive[N];
    double w[N], s[N], scale = 0, tol;

    for (uint32_t i = 0; i < n; i++) {
        p[i] = 0;
        passive[i] = false;
        if (fabs(h[i]) > scale)
            scale = fabs(h[i]);
    }
    tol = 1e-10 * (scale > 0 ? scale : 1);
    for (uint32_t iter = 0; iter < 3 * n + 3; iter++) {
        uint32_t t = n;
        double best = tol;

        for (uint32_t i = 0; i < n; i++) {
            w[i] = h[i];
            for (uint32_t j = 0; j < n; j++)
                w[i] -= g[i * N + j] * p[j];
        }
        for (uint32_t i = 0; i < n; i++)
            if (!passive[i] && g[i * N + i] > 0 && w[i] > best) {
                best = w[i];
                t = i;
            }
        if (t == n)
            break;
        passive[t] = true;
        for (uint32_t inner = 0; inner < 3 * n + 3; inner++) {
            double alpha = 2;

            for (uint32_t i = 0; i < n; i++)
                s[i] = 0;
            solve_passive(g, h, passive, n, s, e->chol, e->idx);
            for (uint32_t i = 0; i < n; i++)
                if (passive[i] && s[i] <= 0) {
                    double a = p[i] / (p[i] - s[i]);

                    if (a < alpha)
                        alpha = a;
                }
            if (alpha > 1) {
                memcpy(p, s, n * sizeof(*p));
                break;
            }
            for (uint32_t i = 0; i < n; i++) {
                p[i] += alpha * (s[i] - p[i]);
                if (passive[i] && p[i] <= tol * 1e-6) {
                    p[i] = 0;
                    passive[i] = false;
                }
            }
        }
    }
}

void cvg_est_solve(struct cvg_est *e)
{
    uint32_t n = e->nr, parent[N], gid[N], ng = 0, rep[N];
    double maxdiag = 0, maxcos[N], ssr, total = 0, wconf = 0;
    bool active[N];

    for (uint32_t v = 0; v < n; v++)
        if (e->G[v * N + v] > maxdiag)
            maxdiag = e->G[v * N + v];
    for (uint32_t v = 0; v < n; v++) {
        active[v] = maxdiag > 0 && e->G[v * N + v] > 1e-9 * maxdiag;
        parent[v] = v;
        maxcos[v] = 0;
    }
    /* Group columns that point the same way. */
    for (uint32_t i = 0; i < n; i++) {
        if (!active[i])
            continue;
        for (uint32_t j = i + 1; j < n; j++) {
            double c;

            if (!active[j])
                continue;
            c = e->G[i * N + j] / sqrt(e->G[i * N + i] * e->G[j * N + j]);
            if (c > maxcos[i])
                maxcos[i] = c;
            if (c > maxcos[j])
                maxcos[j] = c;
            if (c >= e->p.collinear_cos) {
                uint32_t a = find(parent, i), b = find(parent, j);

                if (a != b)
                    parent[a > b ? a : b] = a < b ? a : b;
            }
        }
    }
    for (uint32_t v = 0; v < n; v++) {
        if (!active[v])
            continue;
        uint32_t root = find(parent, v);

        if (root == v) {
            rep[ng] = v;
            gid[v] = ng++;
        }
    }
    for (uint32_t v = 0; v < n; v++)
        if (active[v])
            gid[v] = gid[find(parent, v)];

    /* Merged normal equations, one column per group. */
    for (uint32_t a = 0; a < ng; a++) {
        e->hm[a] = 0;
        for (uint32_t b = 0; b < ng; b++)
            e->gm[a * N + b] = 0;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!active[i])
            continue;
        e->hm[gid[i]] += e->h[i];
        for (uint32_t j = 0; j < n; j++)
            if (active[j])
                e->gm[gid[i] * N + gid[j]] += e->G[i * N + j];
    }
    nnls(e, e->gm, e->hm, e->rho, ng);

    ssr = e->yy;
    for (uint32_t a = 0; a < ng; a++) {
        ssr -= 2 * e->rho[a] * e->hm[a];
        for (uint32_t b = 0; b < ng; b++)
            ssr += e->rho[a] * e->gm[a * N + b] * e->rho[b];
    }
    e->r2 = e->yy > 0 ? 1 - ssr / e->yy : 1;
    if (e->r2 < 0)
        e->r2 = 0;
    if (e->r2 > 1)
        e->r2 = 1;

    for (uint32_t v = 0; v < n; v++) {
        e->group[v] = v;
        e->group_size[v] = 1;
        e->unsplit[v] = false;
        e->r[v] = 0;
        e->conf[v] = 1;
    }
    for (uint32_t a = 0; a < ng; a++) {
        uint32_t k = 0;
        double cpu = 0, pooled, learnt_total = 0;
        bool all_learnt = true;

        for (uint32_t v = 0; v < n; v++)
            if (active[v] && gid[v] == a) {
                e->members[k++] = v;
                cpu += e->cpu_rate[v];
                if (e->has_learnt[v])
                    learnt_total += e->learnt[v] * e->cpu_rate[v];
                else
                    all_learnt = false;
            }
        for (uint32_t m = 0; m < k; m++) {
            e->group[e->members[m]] = rep[a];
            e->group_size[e->members[m]] = k;
        }
        pooled = e->rho[a] * cpu;          /* pages/s the group dirties now */
        if (k == 1) {
            uint32_t v = e->members[0];
            double apart = (1 - maxcos[v]) / APART;

            e->r[v] = e->rho[a];
            e->conf[v] = e->r2 * (apart < 1 ? apart : 1);
            continue;
        }
        if (pooled <= 1.0 || pooled <= 0.02 * e->dirty_rate) {
            /* The group as a whole does not dirty: nothing to split. */
            for (uint32_t m = 0; m < k; m++)
                e->conf[e->members[m]] = e->r2;
            continue;
        }
        if (all_learnt && learnt_total >= 0.5 * pooled) {
            double scale = pooled / learnt_total;

            for (uint32_t m = 0; m < k; m++) {
                uint32_t v = e->members[m];

                e->r[v] = e->learnt[v] * scale;
                e->conf[v] = 0.5 * e->r2;
            }
            continue;
        }
        /* The fallback: equal pages per CPU-second, i.e. by CPU-time share. */
        for (uint32_t m = 0; m < k; m++) {
            uint32_t v = e->members[m];

            e->r[v] = e->rho[a];
            e->conf[v] = e->r2 / k;
            e->unsplit[v] = true;
        }
    }
    for (uint32_t v = 0; v < n; v++) {
        e->rate[v] = e->r[v] * e->cpu_rate[v];
        total += e->rate[v];
        wconf += e->rate[v] * e->conf[v];
    }
    e->confidence = total > 0 ? wconf / total : e->r2;
}

static void enqueue(struct cvg_probe *pr, uint32_t first, uint32_t count, int32_t parent)
{
    struct cvg_probe_group *g;

    if (pr->ng >= CVG_PROBE_MAX_GROUPS || !count)
        return;
    g = &pr->g[pr->ng];
    memset(g, 0, sizeof(*g));
    g->first = first;
    g->count = count;
    g->parent = parent;
    pr->queue[pr->qtail++] = pr->ng++;
}

void cvg_probe_start(struct cvg_probe *pr, const uint32_t *vcpus, uint32_t n,
                     enum cvg_probe_mode mode, double min_dt_s)
{
    uint32_t rounds = pr->rounds;

    memset(pr, 0, sizeof(*pr));
    pr->rounds = rounds;
    pr->cur = -1;
    if (n > N)
        n = N;
    memcpy(pr->order, vcpus, n * sizeof(*vcpus));
    pr->min_dt = min_dt_s;
    pr->mode = mode;
    enqueue(pr, 0, n / 2, -1);
    enqueue(pr, n / 2, n - n / 2, -1);
    pr->phase = pr->qhead < pr->qtail ? CVG_PROBE_BASE : CVG_PROBE_IDLE;
}

uint32_t cvg_probe_targets(const struct cvg_probe *pr, uint32_t *vcpus)
{
    const struct cvg_probe_group *g;

    if (pr->phase != CVG_PROBE_HIT || pr->cur < 0)
        return 0;
    g = &pr->g[pr->cur];
    memcpy(vcpus, &pr->order[g->first], g->count * sizeof(*vcpus));
    return g->count;
}

static double group_cpu(const struct cvg_probe *pr, const struct cvg_probe_group *g,
                        const double *run_s, double dt)
{
    double sum = 0;

    for (uint32_t i = 0; i < g->count; i++)
        sum += run_s[pr->order[g->first + i]] / dt;
    return sum;
}

static void learn_group(const struct cvg_probe *pr, struct cvg_est *e,
                        const struct cvg_probe_group *g, double rate)
{
    for (uint32_t i = 0; i < g->count; i++)
        cvg_est_learn(e, pr->order[g->first + i], rate);
}

/* A group is settled: tell its parent, which may have to share its rate. */
static void settle(struct cvg_probe *pr, struct cvg_est *e, uint32_t gi)
{
    struct cvg_probe_group *g = &pr->g[gi], *p;

    if (g->parent < 0)
        return;
    p = &pr->g[g->parent];
    p->children_done++;
    if (g->significant)
        p->children_significant++;
    if (p->children_done == 2 && !p->children_significant)
        learn_group(pr, e, p, p->rate);     /* it dirties, but no half alone shows */
}

static void judge(struct cvg_probe *pr, struct cvg_est *e, uint32_t gi, double drop,
                  double dc, double sigma, double base, double cpu_all);

/* A significant group splits: its first half is probed, the second half is
 * its difference (saves a probe, and a reader's time, per split). */
static void split(struct cvg_probe *pr, uint32_t gi)
{
    struct cvg_probe_group *g = &pr->g[gi];
    uint32_t a = pr->ng;

    enqueue(pr, g->first, g->count / 2, (int32_t)gi);
    if (pr->ng == a || pr->ng >= CVG_PROBE_MAX_GROUPS)
        return;
    /* The sibling: not queued, judged when the first half is. */
    struct cvg_probe_group *b = &pr->g[pr->ng];

    memset(b, 0, sizeof(*b));
    b->first = g->first + g->count / 2;
    b->count = g->count - g->count / 2;
    b->parent = (int32_t)gi;
    pr->g[a].sibling = (int32_t)pr->ng++;
}

/*
 * A group's dip, measured or inferred.  A drop within the noise proves
 * little by itself: it shows the group holds no writer only when even drop
 * plus the noise is small beside what was at stake (the parent's drop; for a
 * top group its CPU share of the whole dirty rate; when re-measuring
 * throttled vCPUs, what their learnt rates predicted).  Otherwise it is
 * inconclusive: the members take the group's own (noisy) estimate, or,
 * when neither half of a writer group stands out, share their parent's
 * rate; at the top, and when re-measuring, they keep what they had.
 */
static void judge(struct cvg_probe *pr, struct cvg_est *e, uint32_t gi, double drop,
                  double dc, double sigma, double base, double cpu_all)
{
    struct cvg_probe_group *g = &pr->g[gi];
    double stake;
    bool significant;

    g->drop = drop;
    g->dc = dc;
    g->sigma = sigma;
    if (fabs(dc) < 0.05)
        return;                 /* the probe did not change the run time */
    /* Only a dip the way the run time moved counts (slowing must lower the
     * rate, raising must lift it); the other way is noise. */
    significant = drop * (dc > 0 ? 1 : -1) > CVG_PROBE_SIGMAS * sigma;
    if (significant && pr->mode == CVG_PROBE_RECHECK) {
        g->significant = true;  /* still writing: keep what was learnt */
        return;
    }
    if (significant) {
        /* What the group would dirty per CPU-second if it were like its
         * parent (for a top group: like the domain on average). */
        double like = g->parent >= 0 ? pr->g[g->parent].rate :
                      (cpu_all > 0 ? base / cpu_all : 0);

        g->significant = true;
        g->rate = drop / dc > 0 ? drop / dc : 0;
        /* Indistinguishable from that: take it, so that equal writers get
         * equal rates instead of the noise of each probe. */
        if (fabs(g->rate - like) <= CVG_PROBE_SIGMAS * sigma / fabs(dc))
            g->rate = like;
        pr->found++;
        if (g->count == 1)
            learn_group(pr, e, g, g->rate);
        else
            split(pr, gi);
        settle(pr, e, gi);
        return;
    }
    if (g->parent >= 0) {
        stake = fabs(pr->g[g->parent].drop);
    } else if (pr->mode == CVG_PROBE_RECHECK) {
        double r = 0;

        for (uint32_t i = 0; i < g->count; i++) {
            uint32_t v = pr->order[g->first + i];

            r += e->has_learnt[v] ? e->learnt[v] : 0;
        }
        stake = fabs(r / g->count * dc);
    } else {
        stake = cpu_all > 0 ? base * fabs(dc) / cpu_all : base;
    }
    if (fabs(drop) + CVG_PROBE_SIGMAS * sigma < CVG_PROBE_SMALL * stake)
        learn_group(pr, e, g, 0);
    else if (g->parent >= 0)
        learn_group(pr, e, g, drop / dc > 0 ? drop / dc : 0);    /* its own, noisy */
    settle(pr, e, gi);
}

/* The probe of the current group between two base windows. */
static void close_probe(struct cvg_probe *pr, struct cvg_est *e, double dt, double y,
                        double count, double cpu_after, double cpu_all)
{
    uint32_t gi = (uint32_t)pr->cur;
    struct cvg_probe_group *g = &pr->g[gi];
    double dc = (pr->base_cpu + cpu_after) / 2 - pr->hit_cpu;
    double base = (pr->base_y + y) / 2, drop = base - pr->hit_y;
    double poisson = sqrt((pr->base_count + count) / 4 + pr->hit_count) / dt;
    double spread = fabs(pr->base_y - y) * 0.866;
    double sigma = poisson > spread ? poisson : spread;

    judge(pr, e, gi, drop, dc, sigma, base, cpu_all);
    if (g->sibling > 0 && g->parent >= 0) {
        const struct cvg_probe_group *p = &pr->g[g->parent];

        judge(pr, e, (uint32_t)g->sibling, p->drop - drop, p->dc - dc,
              sqrt(p->sigma * p->sigma + sigma * sigma), base, cpu_all);
    }
}

bool cvg_probe_window(struct cvg_probe *pr, struct cvg_est *e, double dt_s,
                      double dirty_pages, const double *run_s)
{
    double y;

    if (pr->phase == CVG_PROBE_IDLE || dt_s <= 0 || dt_s < pr->min_dt)
        return false;
    y = dirty_pages / dt_s;
    if (pr->phase == CVG_PROBE_HIT) {
        pr->hit_y = y;
        pr->hit_count = dirty_pages;
        pr->hit_cpu = group_cpu(pr, &pr->g[pr->cur], run_s, dt_s);
        pr->probes++;
        pr->phase = CVG_PROBE_BASE;
        return false;
    }
    /* A base window: it closes the probe before it, if any. */
    if (pr->cur >= 0) {
        double all = 0;

        for (uint32_t v = 0; v < e->nr; v++)
            all += run_s[v] / dt_s;
        close_probe(pr, e, dt_s, y, dirty_pages, group_cpu(pr, &pr->g[pr->cur], run_s, dt_s),
                    all);
    }
    pr->base_y = y;
    pr->base_count = dirty_pages;
    if (pr->qhead < pr->qtail && pr->probes < 4 * N) {
        pr->cur = (int32_t)pr->queue[pr->qhead++];
        pr->base_cpu = group_cpu(pr, &pr->g[pr->cur], run_s, dt_s);
        pr->phase = CVG_PROBE_HIT;
        return false;
    }
    pr->cur = -1;
    pr->phase = CVG_PROBE_IDLE;
    pr->rounds++;
    return true;
}
