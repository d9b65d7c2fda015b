/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sim/pattern.h"

/* A prime above the largest page count (2^28): rank -> pfn is a bijection. */
#define ZIPF_SCATTER 2654435761ull

uint64_t cvg_sim_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static inline uint64_t next_rand(struct cvg_sim_picker *p)
{
    /* xorshift64*: state never 0 (init guarantees it). */
    uint64_t x = p->rng;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    p->rng = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, n) without division (Lemire's multiply-high). */
static inline uint64_t below(uint64_t r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)r * n) >> 64);
}

void cvg_sim_picker_init(struct cvg_sim_picker *p, const struct cvg_workload *w,
                         uint64_t nr_pages, uint64_t seed, uint32_t vcpu)
{
    uint32_t group = w->vcpu_last >= w->vcpu_first ? w->vcpu_last - w->vcpu_first + 1 : 1;
    uint32_t idx = vcpu >= w->vcpu_first ? vcpu - w->vcpu_first : 0;

    memset(p, 0, sizeof(*p));
    p->pattern = w->pattern;
    p->nr_pages = nr_pages ? nr_pages : 1;
    p->rng = cvg_sim_mix64(seed ^ cvg_sim_mix64(0x5eed0000ull + vcpu)) | 1;
    p->cursor = (uint64_t)(((unsigned __int128)p->nr_pages * idx) / group);

    if (w->pattern == CVG_PATTERN_HOTCOLD) {
        double hp = w->hot_pct > 100 ? 100 : (w->hot_pct < 0 ? 0 : w->hot_pct);
        double hs = w->hot_share_pct > 100 ? 100 : (w->hot_share_pct < 0 ? 0 : w->hot_share_pct);

        p->hot_pages = (uint64_t)((double)p->nr_pages * hp / 100.0);
        if (p->hot_pages == 0)
            p->hot_pages = 1;
        if (p->hot_pages > p->nr_pages)
            p->hot_pages = p->nr_pages;
        p->hot_first = below(cvg_sim_mix64(seed ^ (0x40700000ull + w->vcpu_first)), p->nr_pages);
        p->hot_share_q32 = (uint64_t)(hs / 100.0 * 4294967296.0);
    }
    p->zipf_log = log((double)p->nr_pages + 1.0);
}

uint64_t cvg_sim_picker_next(struct cvg_sim_picker *p)
{
    uint64_t r = next_rand(p), n = p->nr_pages;

    switch (p->pattern) {
    case CVG_PATTERN_HOTCOLD: {
        uint64_t cold = n - p->hot_pages, off;

        if (!cold || (r >> 32) < p->hot_share_q32)
            off = below(next_rand(p), p->hot_pages);
        else
            off = p->hot_pages + below(next_rand(p), cold);
        off += p->hot_first;
        return off >= n ? off - n : off;
    }
    case CVG_PATTERN_SEQUENTIAL: {
        uint64_t pfn = p->cursor;

        p->cursor = pfn + 1 == n ? 0 : pfn + 1;
        return pfn;
    }
    case CVG_PATTERN_ZIPF: {
        /* Inverse of P(rank <= k) = ln(k + 1) / ln(n + 1), continuous s = 1. */
        double u = (double)(r >> 11) * (1.0 / 9007199254740992.0);
        uint64_t rank = (uint64_t)exp(u * p->zipf_log) - 1;

        if (rank >= n)
            rank = n - 1;
        return (rank * ZIPF_SCATTER + 0x9e37ull) % n;
    }
    case CVG_PATTERN_UNIFORM:
    case CVG_PATTERN_READ:
    case CVG_PATTERN_IDLE:
    default:
        return below(r, n);
    }
}
