/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * converge-helper's JSON report, written when $XENCONVERGE_SIM_REPORT
 * names a file: what one side of a migration saw, with the memory digest
 * of its domain: the save side's is the memory at switchover (the guest
 * stays suspended after it), the restore side's the memory after END;
 * equal digests mean the destination got exactly the source's memory.  sim-migrate merges both into the migration report.
 */
#ifndef CVG_HELPER_REPORT_H
#define CVG_HELPER_REPORT_H

#include <stdbool.h>

#include "config/tunables.h"
#include "engine/digest.h"
#include "engine/engine.h"

#define CVG_REPORT_ENV "XENCONVERGE_SIM_REPORT"

struct cvg_helper_report {
    bool enabled, save;
    const struct cvg_tunables *tun;
    int rc;
    bool have_digest;
    char digest[CVG_DIGEST_HEX_LEN + 1];
    char digest_error[CVG_ERR_MSG_MAX];
    struct cvg_save_result save_res;
    struct cvg_restore_result restore_res;
};

void cvg_helper_report_init(struct cvg_helper_report *r, bool save,
                            const struct cvg_tunables *tun);
/* After complete, the guest still suspended (save) or paused (restore). */
void cvg_helper_report_digest(struct cvg_helper_report *r, struct cvg_hv *hv,
                              uint32_t domid);
void cvg_helper_report_save(struct cvg_helper_report *r, int rc,
                            const struct cvg_save_result *res);
void cvg_helper_report_restore(struct cvg_helper_report *r, int rc,
                               const struct cvg_restore_result *res);
/* Writes the file (if enabled); error is the failure text or NULL. */
void cvg_helper_report_write(const struct cvg_helper_report *r, const char *error);

#endif
