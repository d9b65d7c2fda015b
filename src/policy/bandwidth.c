/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "policy/bandwidth.h"

void cvg_bw_init(struct cvg_bw_window *w, uint64_t window_ms)
{
    memset(w, 0, sizeof(*w));
    w->window_ms = window_ms ? window_ms : 1;
}

void cvg_bw_add(struct cvg_bw_window *w, uint64_t t_ms, uint64_t bytes)
{
    unsigned newest = (w->head + CVG_BW_SAMPLES - 1) % CVG_BW_SAMPLES;

    /* The ring keeps one mark (time, bytes before this write) per slice of
     * 1/32 of the window, so a burst of small writes cannot push the
     * window's start out of the ring; total and last_ms stay exact. */
    if (!w->count || t_ms >= w->s[newest].t_ms + w->window_ms / 32 + 1) {
        w->s[w->head].t_ms = w->count ? w->last_ms : t_ms;
        w->s[w->head].bytes = w->total;
        w->head = (w->head + 1) % CVG_BW_SAMPLES;
        if (w->count < CVG_BW_SAMPLES)
            w->count++;
    }
    w->total += bytes;
    if (t_ms > w->last_ms)
        w->last_ms = t_ms;
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
        if (w->last_ms - w->s[k].t_ms >= w->window_ms)
            break;
    }
    dt = w->last_ms - w->s[k].t_ms;
    if (dt == 0)
        return 0;
    return (w->total - w->s[k].bytes) * 1000 / dt;
}
