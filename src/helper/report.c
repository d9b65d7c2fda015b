/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "helper/report.h"

void cvg_helper_report_init(struct cvg_helper_report *r, bool save,
                            const struct cvg_tunables *tun)
{
    const char *path = getenv(CVG_REPORT_ENV);

    memset(r, 0, sizeof(*r));
    r->enabled = path && *path;
    r->save = save;
    r->tun = tun;
}

void cvg_helper_report_digest(struct cvg_helper_report *r, struct cvg_hv *hv,
                              uint32_t domid)
{
    struct cvg_err err = { 0 };

    if (!r->enabled || !hv)
        return;
    if (cvg_memory_digest(hv, domid, r->digest, &err))
        snprintf(r->digest_error, sizeof(r->digest_error), "%s", err.msg);
    else
        r->have_digest = true;
}

void cvg_helper_report_save(struct cvg_helper_report *r, int rc,
                            const struct cvg_save_result *res)
{
    r->rc = rc;
    r->save_res = *res;
}

void cvg_helper_report_restore(struct cvg_helper_report *r, int rc,
                               const struct cvg_restore_result *res)
{
    r->rc = rc;
    r->restore_res = *res;
}

void cvg_helper_report_write(const struct cvg_helper_report *r, const char *error)
{
    const char *path = getenv(CVG_REPORT_ENV);
    char tmp[4096];
    FILE *f;

    if (!r->enabled)
        return;
    /* Written beside and renamed, so a reader never sees half a report. */
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f) {
        perror(path);
        return;
    }
    fprintf(f, "{\n  \"role\": \"%s\",\n  \"ok\": %s,\n  \"error\": ",
            r->save ? "save" : "restore", r->rc ? "false" : "true");
    cvg_json_string(f, error);
    fprintf(f, ",\n  \"memory_sha256\": ");
    cvg_json_string(f, r->have_digest ? r->digest : NULL);
    if (r->digest_error[0]) {
        fprintf(f, ",\n  \"digest_error\": ");
        cvg_json_string(f, r->digest_error);
    }
    if (r->save) {
        const struct cvg_save_result *s = &r->save_res;

        fprintf(f, ",\n  \"policy\": \"%s\",\n  \"converged\": %s,\n  \"aborted\": %s,\n"
                "  \"iterations\": %u,\n  \"bytes_sent\": %" PRIu64 ",\n"
                "  \"pages_sent\": %" PRIu64 ",\n  \"final_pages\": %" PRIu64 ",\n"
                "  \"total_time_ms\": %" PRIu64 ",\n  \"downtime_ms\": %" PRIu64 ",\n"
                "  \"downtime_limit_ms\": %u,\n  \"memory_bytes\": %" PRIu64 ",\n"
                "  \"max_throttle_pct\": %u,\n  \"bandwidth_bps\": %" PRIu64 ",\n"
                "  \"last_dirty_pages\": %" PRIu64,
                cvg_policy_name(cvg_tun_policy(r->tun)),
                !r->rc && s->converged ? "true" : "false", s->aborted ? "true" : "false",
                s->iterations, s->bytes_sent, s->pages_sent, s->final_pages,
                s->total_time_ms, s->downtime_ms, cvg_tun_downtime_limit_ms(r->tun),
                s->last.memory_bytes, s->max_throttle_pct, s->last.bandwidth_bps,
                s->last.dirty_pages);
    } else {
        const struct cvg_restore_result *s = &r->restore_res;

        fprintf(f, ",\n  \"pages_applied\": %" PRIu64 ",\n  \"bytes_read\": %" PRIu64
                ",\n  \"apply_rate_bps\": %" PRIu64 ",\n  \"optional_skipped\": %u",
                s->pages_applied, s->bytes_read, s->apply_rate_bps, s->optional_skipped);
    }
    fprintf(f, "\n}\n");
    if (fclose(f) || rename(tmp, path))
        perror(path);
}
