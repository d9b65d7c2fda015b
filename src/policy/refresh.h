/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Background refresh of the dirty picture during a long pass (QEMU's periodic
 * ramblock sync, 2024, as a pure decision).
 *
 * Without it the picture is only as fresh as the last pass-end CLEAN: a pass
 * over a large guest lasts minutes, the log-dirty counter saturates (a page
 * dirtied twice counts once), and a throttle that decides at syncs only
 * (auto-converge) reacts once per pass.
 *
 * The decision: refresh when refresh_interval_ms have passed since the last
 * sync (pass-end CLEAN or refresh) and the pass is eligible (QEMU skips the
 * first pass: it sends everything anyway; our own policy also refreshes the
 * first pass, whose counter saturates just the same).
 *
 * What the engine does on `refresh`: a CLEAN into a scratch bitmap, OR-ed into
 * the next pass's bitmap (bits for pages still ahead of the send cursor may
 * be dropped: they go out fresh in this pass), so no page is lost and the
 * next pass is not enlarged.  The counter restarts at 0.
 *
 * How it feeds the controllers: the engine then calls the policy step with
 * CVG_POINT_REFRESH and
 *   - sync_new_pages = the counter the CLEAN returned: auto-converge and
 *     dirty-limit's trigger count it into their period (cvg_ac_on_sync), so
 *     they can step several times within one pass;
 *   - peek_pages restarts from 0: the estimator's windows measure fresh
 *     rates again instead of a saturated counter;
 *   - pass_dirty_pages still counts the whole pass (bitmap OR + counter), so
 *     converge's pass-size prediction is unaffected.
 */
#ifndef CVG_POLICY_REFRESH_H
#define CVG_POLICY_REFRESH_H

#include <stdbool.h>
#include <stdint.h>

struct cvg_refresh_params {
    uint32_t interval_ms;       /* 0: never refresh */
    bool first_pass;            /* refresh during pass 0 too */
};

bool cvg_refresh_due(const struct cvg_refresh_params *p, uint64_t now_ms,
                     uint64_t last_sync_ms, uint32_t pass);

#endif
