/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ledger: what a helper changed on one domain and the value each thing
 * had before its first change.  The helper keeps one (to put things back
 * itself on every normal path) and its guardian keeps a copy fed through
 * the channel (to put them back after the helper died).  Pure: no I/O.
 *
 * Rules:
 *  - the first record of an item wins: a throttle changes the cap twenty
 *    times, the value to restore is the one before the first change;
 *  - a release (the helper restored it) forgets the item, so a later
 *    record starts over;
 *  - pauses are counted (Xen's pause is nestable): each record is one
 *    reference the helper took, each release one it gave back;
 *  - after HANDED_OVER nothing new may be recorded.
 */
#ifndef CVG_GUARDIAN_LEDGER_H
#define CVG_GUARDIAN_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "guardian/guard_msg.h"

#define CVG_GUARD_MAX_PAUSES 64u

struct cvg_guard_ledger {
    uint32_t domid;
    bool cap_saved;
    uint32_t cap;
    bool logdirty_saved;
    bool logdirty_was_on;
    uint32_t pauses;                    /* references the helper holds */
    bool suspended;
    enum cvg_guard_suspender suspended_by;
    bool handed_over;
    bool budget_saved[CVG_GUARD_MAX_VCPUS];
    uint32_t period_us[CVG_GUARD_MAX_VCPUS], budget_us[CVG_GUARD_MAX_VCPUS];
    bool affinity_saved[CVG_GUARD_MAX_VCPUS];
    uint32_t affinity_words[CVG_GUARD_MAX_VCPUS];
    uint64_t affinity[CVG_GUARD_MAX_VCPUS][CVG_GUARD_MAP_WORDS];
};

void cvg_guard_ledger_init(struct cvg_guard_ledger *l, uint32_t domid);

/*
 * Applies one helper message (CAP .. BYE).  Returns 1 when the message
 * ends the session (HANDED_OVER, BYE), 0 otherwise, or a negative errno
 * for a message that contradicts the ledger (a release of something never
 * recorded, a pause count out of range, a record after the hand-over).
 */
int cvg_guard_ledger_apply(struct cvg_guard_ledger *l, const struct cvg_guard_msg *m,
                           struct cvg_err *err);

/* Anything left to put back (not counting a suspend, see guard.h)? */
bool cvg_guard_ledger_dirty(const struct cvg_guard_ledger *l);

#endif
