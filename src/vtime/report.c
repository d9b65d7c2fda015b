/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>

#include "common/json.h"
#include "vtime/report.h"

static void num_or_null(FILE *f, double x, int prec)
{
    if (isnan(x) || isinf(x))
        fputs("null", f);
    else
        fprintf(f, "%.*f", prec, x);
}

int cvg_vt_report_json(FILE *f, const struct cvg_vt_report_info *info,
                       const struct cvg_vt_result *r)
{
    fputs("{\n  \"scenario\": ", f);
    cvg_json_string(f, info->scenario);
    fputs(",\n  \"policy\": ", f);
    cvg_json_string(f, info->policy);
    fputs(",\n  \"lever\": ", f);
    cvg_json_string(f, info->lever);
    fprintf(f, ",\n  \"seed\": %llu,\n  \"periodic_sync\": %s,\n  \"clock\": \"virtual\"",
            info->seed, info->periodic_sync ? "true" : "false");
    fprintf(f, ",\n  \"completed\": %s,\n  \"converged\": %s,\n  \"aborted\": %s,\n"
            "  \"verified\": null,\n  \"reason\": ",
            r->completed ? "true" : "false",
            r->completed && r->converged ? "true" : "false",
            r->aborted ? "true" : "false");
    cvg_json_string(f, r->reason);
    fprintf(f, ",\n  \"total_time_ms\": %" PRIu64 ",\n  \"downtime_ms\": %" PRIu64
            ",\n  \"downtime_limit_ms\": %u,\n  \"expected_downtime_ms\": ",
            r->total_time_ms, r->downtime_ms, r->downtime_limit_ms);
    if (r->completed && r->expected_downtime_ms != UINT64_MAX)
        fprintf(f, "%" PRIu64, r->expected_downtime_ms);
    else
        fputs("null", f);
    fprintf(f, ",\n  \"bytes_sent\": %" PRIu64 ",\n  \"memory_bytes\": %" PRIu64
            ",\n  \"iterations\": %u,\n  \"live_passes\": %u,\n  \"max_throttle_pct\": %u"
            ",\n  \"first_throttle_ms\": ",
            r->bytes_sent, r->memory_bytes, r->iterations, r->live_passes,
            r->max_throttle_pct);
    if (r->first_throttle_ms == UINT64_MAX)
        fputs("null", f);
    else
        fprintf(f, "%" PRIu64, r->first_throttle_ms);
    fprintf(f, ",\n  \"syncs\": %u,\n  \"refreshes\": %u,\n  \"probe_rounds\": %u",
            r->syncs, r->refreshes, r->probe_rounds);
    fputs(",\n  \"eta_error_ms\": {", f);
    for (int k = 0; k < 3; k++) {
        fprintf(f, "%s\"at_%d_pct\": ", k ? ", " : "", 25 * (k + 1));
        num_or_null(f, r->eta_error_s[k] * 1000, 0);
    }
    fputs("},\n  \"link_share\": ", f);
    num_or_null(f, r->link_share, 4);
    fputs(",\n  \"oracle_share\": ", f);
    num_or_null(f, info->oracle_share, 4);
    fputs(",\n  \"vcpus\": [", f);
    for (uint32_t v = 0; v < r->nr_vcpus; v++)
        fprintf(f, "%s\n    {\"id\": %u, \"writer\": %s, \"work_retained\": %.6f, "
                "\"min_share\": %.4f}", v ? "," : "", v,
                r->vcpus[v].writer ? "true" : "false", r->vcpus[v].work_retained,
                r->vcpus[v].min_share);
    fputs("\n  ]\n}\n", f);
    return ferror(f) ? -EIO : 0;
}
