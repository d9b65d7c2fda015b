/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Send-rate estimate over a sliding window.  A rate from the whole
 * migration would lag behind a link that changed; one from the last write
 * alone would jump with every batch.  The window keeps the last few seconds
 * of (time, bytes) samples in a fixed ring: no allocation, O(1) per sample.
 */
#ifndef CVG_POLICY_BANDWIDTH_H
#define CVG_POLICY_BANDWIDTH_H

#include <stdint.h>

#define CVG_BW_SAMPLES 64

struct cvg_bw_window {
    uint64_t window;            /* in ticks */
    uint64_t ticks_per_s;       /* 1000: ms (cvg_bw_init), 1000000: us */
    unsigned head, count;
    struct { uint64_t t; uint64_t bytes; } s[CVG_BW_SAMPLES];
    uint64_t total;             /* cumulative bytes, all writes */
    uint64_t last;              /* time of the latest write */
};

/* Times in ms. */
void cvg_bw_init(struct cvg_bw_window *w, uint64_t window_ms);
/* Times in us: for a clock that only runs while sending, where a whole
 * small pass may take less than a millisecond. */
void cvg_bw_init_us(struct cvg_bw_window *w, uint64_t window_us);
/* bytes were written, the write completing at t (monotonic, in the
 * window's unit). */
void cvg_bw_add(struct cvg_bw_window *w, uint64_t t, uint64_t bytes);
/* Bytes per second over the window ending at the newest sample;
 * 0 until two samples at least one tick apart exist. */
uint64_t cvg_bw_rate(const struct cvg_bw_window *w);

#endif
