/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "policy/bandwidth.h"

static void init(struct cvg_bw_window *w, uint64_t window, uint64_t ticks_per_s)
{
    memset(w, 0, sizeof(*w));
    w->window = window ? window : 1;
    w->ticks_per_s = ticks_per_s;
}

void cvg_bw_init(struct cvg_bw_window *w, uint64_t window_ms)
{
    init(w, window_ms, 1000);
}

void cvg_bw_init_us(struct cvg_bw_window *w, uint64_t window_us)
{
    init(w, window_us, 1000000);
}

void cvg_bw_add(struct cvg_bw_window *w, uint64_t t, uint64_t bytes)
{
    unsigned newest = (w->head + CVG_BW_SAMPLES - 1) % CVG_BW_SAMPLES;

    /* The ring keeps one mark (time, bytes before this write) per slice of
     * 1/32 of the window, so a burst of small writes cannot push the
     * window's start out of the ring; total and last_ms stay exact. */
    if (!w->count || t >= w->s[newest].t + w->window / 32 + 1) {
        w->s[w->head].t = w->count ? w->last : t;
        w->s[w->head].bytes = w->total;
        w->head = (w->head + 1) % CVG_BW_SAMPLES;
        if (w->count < CVG_BW_SAMPLES)
            w->count++;
    }
    w->total += bytes;
    if (t > w->last)
        w->last = t;
}

uint64_t cvg_bw_rate(const struct cvg_bw_window *w)
{
    unsigned newest, i, k = 0;
    uint64_t dt;

    if (!w->count)
        return 0;
    newest = (w->head + CVG_BW_SAMPLES - 1) % CVG_BW_SAMPLES;
    /* The newest mark at least a window old, else the oldest there is. */
    for (i = 0; i < w->count; i++) {
        k = (newest + CVG_BW_SAMPLES - i) % CVG_BW_SAMPLES;
        if (w->last - w->s[k].t >= w->window)
            break;
    }
    dt = w->last - w->s[k].t;
    if (dt == 0)
        return 0;
    return (uint64_t)((double)(w->total - w->s[k].bytes) * (double)w->ticks_per_s / (double)dt);
}
