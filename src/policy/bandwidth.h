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
    uint64_t window_ms;
    unsigned head, count;
    struct { uint64_t t_ms; uint64_t bytes; } s[CVG_BW_SAMPLES];
    uint64_t total;             /* cumulative bytes, all writes */
    uint64_t last_ms;           /* time of the latest write */
};

void cvg_bw_init(struct cvg_bw_window *w, uint64_t window_ms);
/* bytes were written, the write completing at t_ms (monotonic). */
void cvg_bw_add(struct cvg_bw_window *w, uint64_t t_ms, uint64_t bytes);
/* Bytes per second over the window ending at the newest sample;
 * 0 until two samples at least 1 ms apart exist. */
uint64_t cvg_bw_rate(const struct cvg_bw_window *w);

#endif
