/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/pattern.h"
#include "vtime/memory.h"

/* The window a dirty ring's count is taken over (a ring fills in ~10 ms). */
#define RING_WINDOW_S 0.01

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static const struct cvg_workload *entry(const struct cvg_scenario *sc, uint32_t i)
{
    return i < sc->nr_workload ? &sc->workload[i] : &sc->phases[i - sc->nr_workload];
}

static void hot_window(const struct cvg_scenario *sc, const struct cvg_workload *w,
                       uint64_t n, uint64_t *first, uint64_t *len)
{
    struct cvg_sim_picker pk;

    /* converge-simd's placement, so both models agree on where it is. */
    cvg_sim_picker_init(&pk, w, n, sc->seed, w->vcpu_first);
    *first = pk.hot_first;
    *len = pk.hot_pages;
}

int cvg_vt_memory_init(struct cvg_vt_memory *m, const struct cvg_scenario *sc,
                       struct cvg_err *err)
{
    uint64_t n = sc->memory_mib * 256ull, *bp = NULL, rank[CVG_VT_ZIPF_BUCKETS + 1];
    uint32_t nent = sc->nr_workload + sc->nr_phases, nbp = 0, natoms, nb = 1, c;
    double mass[CVG_VT_ZIPF_BUCKETS], size[CVG_VT_ZIPF_BUCKETS], logn;
    bool zipf = false;
    int rc = 0;

    memset(m, 0, sizeof(*m));
    m->pages = (double)n;
    bp = calloc(2 * (size_t)nent + 2, sizeof(*bp));
    m->beh = calloc(nent, sizeof(*m->beh));
    if (!bp || !m->beh) {
        rc = cvg_fail(err, -ENOMEM, "bench: out of memory for the memory model");
        goto out;
    }
    m->nr_beh = nent;

    /* Intervals between hot-window edges. */
    bp[nbp++] = 0;
    for (uint32_t i = 0; i < nent; i++) {
        const struct cvg_workload *w = entry(sc, i);
        uint64_t f, l;

        if (w->pattern == CVG_PATTERN_ZIPF)
            zipf = true;
        if (w->pattern != CVG_PATTERN_HOTCOLD)
            continue;
        hot_window(sc, w, n, &f, &l);
        bp[nbp++] = f;
        bp[nbp++] = (f + l) % n;
    }
    qsort(bp, nbp, sizeof(*bp), cmp_u64);
    natoms = 0;
    for (uint32_t i = 0; i < nbp; i++)
        if (!natoms || bp[i] != bp[natoms - 1])
            bp[natoms++] = bp[i];

    /* Zipf rank buckets, log-spaced like the popularity itself. */
    logn = log((double)n + 1);
    if (zipf) {
        nb = 0;
        rank[0] = 0;
        for (uint32_t j = 1; j <= CVG_VT_ZIPF_BUCKETS; j++) {
            uint64_t r = j == CVG_VT_ZIPF_BUCKETS ? n :
                         (uint64_t)llround(exp(j * logn / CVG_VT_ZIPF_BUCKETS)) - 1;

            if (r > rank[nb] && r <= n)
                rank[++nb] = r;
        }
        for (uint32_t j = 0; j < nb; j++) {
            mass[j] = (log((double)rank[j + 1] + 1) - log((double)rank[j] + 1)) / logn;
            size[j] = (double)(rank[j + 1] - rank[j]);
        }
    } else {
        mass[0] = 1;
        size[0] = (double)n;
    }

    m->nr_cells = natoms * nb;
    m->cell_pages = calloc(m->nr_cells, sizeof(double));
    if (!m->cell_pages) {
        rc = cvg_fail(err, -ENOMEM, "bench: out of memory for %u cells", m->nr_cells);
        goto out;
    }
    for (uint32_t a = 0; a < natoms; a++) {
        double apages = (double)((a + 1 < natoms ? bp[a + 1] : n) - bp[a]);

        for (uint32_t j = 0; j < nb; j++)
            m->cell_pages[a * nb + j] = apages * size[j] / (double)n;
    }

    for (uint32_t i = 0; i < nent; i++) {
        const struct cvg_workload *w = entry(sc, i);
        struct cvg_vt_behaviour *b = &m->beh[i];
        uint64_t hf = 0, hl = 0;
        double hs = w->hot_share_pct / 100.0;

        b->pattern = w->pattern;
        b->intensity = calloc(m->nr_cells, sizeof(double));
        if (!b->intensity) {
            rc = cvg_fail(err, -ENOMEM, "bench: out of memory for a workload");
            goto out;
        }
        b->writes = w->pattern != CVG_PATTERN_READ && w->pattern != CVG_PATTERN_IDLE &&
                    w->rate_mib_s > 0;
        if (!b->writes)
            continue;
        b->write_pps = w->rate_mib_s * CVG_VT_PAGES_PER_MIB;
        if (w->pattern == CVG_PATTERN_SEQUENTIAL) {
            b->seq_pps = b->write_pps;
            b->ring_pps = b->write_pps;
            continue;
        }
        if (w->pattern == CVG_PATTERN_HOTCOLD)
            hot_window(sc, w, n, &hf, &hl);
        for (uint32_t a = 0; a < natoms; a++) {
            bool hot = hl && ((bp[a] + n - hf) % n) < hl;

            for (uint32_t j = 0; j < nb; j++) {
                double per_page;

                c = a * nb + j;
                switch (w->pattern) {
                case CVG_PATTERN_HOTCOLD:
                    if (hl >= n)
                        per_page = b->write_pps / (double)n;
                    else
                        per_page = hot ? b->write_pps * hs / (double)hl :
                                   b->write_pps * (1 - hs) / (double)(n - hl);
                    break;
                case CVG_PATTERN_ZIPF:
                    per_page = b->write_pps * mass[j] / size[j];
                    break;
                default:
                    per_page = b->write_pps / (double)n;
                    break;
                }
                b->intensity[c] = per_page;
                b->ring_pps += m->cell_pages[c] * -expm1(-per_page * RING_WINDOW_S) /
                               RING_WINDOW_S;
            }
        }
    }
out:
    free(bp);
    if (rc)
        cvg_vt_memory_free(m);
    return rc;
}

void cvg_vt_memory_free(struct cvg_vt_memory *m)
{
    for (uint32_t i = 0; m->beh && i < m->nr_beh; i++)
        free(m->beh[i].intensity);
    free(m->beh);
    free(m->cell_pages);
    memset(m, 0, sizeof(*m));
}

int cvg_vt_tracker_init(struct cvg_vt_tracker *t, const struct cvg_vt_memory *m,
                        struct cvg_err *err)
{
    t->seq = 0;
    t->lam = calloc(m->nr_cells, sizeof(double));
    if (!t->lam)
        return cvg_fail(err, -ENOMEM, "bench: out of memory for a dirty tracker");
    return 0;
}

void cvg_vt_tracker_free(struct cvg_vt_tracker *t)
{
    free(t->lam);
    t->lam = NULL;
}

void cvg_vt_tracker_reset(struct cvg_vt_tracker *t, const struct cvg_vt_memory *m)
{
    memset(t->lam, 0, m->nr_cells * sizeof(double));
    t->seq = 0;
}

double cvg_vt_tracker_count(const struct cvg_vt_tracker *t, const struct cvg_vt_memory *m)
{
    double clean = 1 - t->seq, sum = 0;

    for (uint32_t c = 0; c < m->nr_cells; c++)
        sum += m->cell_pages[c] * (1 - clean * exp(-t->lam[c]));
    return sum;
}

void cvg_vt_tracker_write(struct cvg_vt_tracker *t, const struct cvg_vt_memory *m,
                          uint32_t b, double speed_dt)
{
    const struct cvg_vt_behaviour *be = &m->beh[b];

    if (!be->writes || speed_dt <= 0)
        return;
    if (be->seq_pps > 0) {
        t->seq += be->seq_pps * speed_dt / m->pages;
        if (t->seq > 1)
            t->seq = 1;
        return;
    }
    for (uint32_t c = 0; c < m->nr_cells; c++)
        t->lam[c] += be->intensity[c] * speed_dt;
}
