/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Putting a domain back as the ledger says it was, through the hypervisor
 * port.  One routine for both ends: the helper's own cleanup and the
 * guardian after the helper died.  Each item restored is forgotten from the
 * ledger; each failure is reported and the item kept, and the rest is
 * still tried (one stuck vCPU must not leave the cap in place).
 *
 * Order: budgets, affinity, cap, log-dirty, then the pause references, so
 * that the guest runs again only once its scheduler settings are its own.
 * A domain that no longer exists (ESRCH: destroyed after a migration) has
 * nothing left to restore; that is not a failure.
 */
#ifndef CVG_GUARDIAN_PUTBACK_H
#define CVG_GUARDIAN_PUTBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "guardian/ledger.h"
#include "hv/hv.h"

#define CVG_GUARD_PUT_SCHED    0x1u     /* budgets, affinity, cap */
#define CVG_GUARD_PUT_LOGDIRTY 0x2u
#define CVG_GUARD_PUT_PAUSES   0x4u
#define CVG_GUARD_PUT_ALL      0x7u

struct cvg_guard_tally {
    uint32_t restored;
    uint32_t failed;
    bool domain_gone;
};

/* One line per item restored (ok) or not; may be NULL. */
typedef void cvg_guard_note_fn(void *opaque, bool ok, const char *text);

/* Returns 0, or the first failure's negative errno (err says which item). */
int cvg_guard_putback(struct cvg_hv *hv, struct cvg_guard_ledger *l, unsigned what,
                      cvg_guard_note_fn *note, void *opaque, struct cvg_guard_tally *t,
                      struct cvg_err *err);

/* Resumes a guest stopped with SHUTDOWN_suspend; *resumed false when it was
 * not suspended (any more).  Clears l->suspended either way. */
int cvg_guard_resume(struct cvg_hv *hv, struct cvg_guard_ledger *l, bool *resumed,
                     struct cvg_err *err);

#endif
