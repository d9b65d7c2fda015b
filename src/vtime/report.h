/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The benchmark's JSON report: the fields every migration report has
 * (design.md: converged, verified, total_time_ms, downtime_ms,
 * downtime_limit_ms, bytes_sent, memory_bytes, iterations, max_throttle_pct,
 * vcpus[{id, work_retained}]) and what only the virtual-time model can
 * measure.  `verified` is null: virtual time has no memory to compare.
 * Numbers are printed with fixed precision so two runs with the same seed
 * give byte-identical reports.
 */
#ifndef CVG_VTIME_REPORT_H
#define CVG_VTIME_REPORT_H

#include <stdio.h>

#include "vtime/model.h"

struct cvg_vt_report_info {
    const char *scenario;
    const char *policy;
    const char *lever;
    unsigned long long seed;
    bool periodic_sync;
    double oracle_share;        /* NAN: not computed */
};

/* Writes the report to f; returns 0 or -EIO. */
int cvg_vt_report_json(FILE *f, const struct cvg_vt_report_info *info,
                       const struct cvg_vt_result *r);

#endif
