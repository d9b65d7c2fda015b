/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guardian: whatever the save helper changes on a domain comes back,
 * however the helper ends -- libxl's SIGKILL included.
 *
 * Before the helper changes something (cap, a vCPU's budget or affinity,
 * log-dirty, a pause reference, a suspend it asks for), it records the
 * value the thing has now, in its own ledger and in its guardian's.  The
 * guardian is a separate process: forked by cvg_guard_start(), in a session
 * of its own (a terminal's ^C or a kill of xl's process group does not
 * reach it), ignoring SIGTERM (a service stop gives it time to finish),
 * holding nothing of the helper's but one end of a socketpair: no stream
 * fd, no IPC pipe, so the helper's death is seen at once by libxl and the
 * peer.  It opens its own hypervisor handle (cvg_hv_open after the fork:
 * Xen or, with $XENCONVERGE_SIM, the simulator) and waits on the socket.
 *
 * When the helper says BYE (cvg_guard_finish), hands the guest over
 * (cvg_guard_handed_over) or dies (the socket reaches EOF: a killed
 * process's descriptors close, SIGKILL included), the guardian puts back
 * every item still recorded -- budgets, affinity, cap, log-dirty, then the
 * helper's pause references -- within milliseconds, answers RESTORED if
 * the helper still listens, and exits.  A guardian never outlives its
 * work: its only wait after that is the bounded suspend watch below, and
 * an alarm ends it if the hypervisor stops answering.
 *
 * Who resumes a suspended guest.  With libxl, the guest is suspended by
 * libxl (our `suspend` callback), and after a failed save libxl's caller
 * resumes it (`xl migrate`: "Migration failed, resuming at sender";
 * `xl save`, libvirt likewise).  A second resume is not harmless on Xen:
 * xc_domain_resume's cooperative path rewrites vCPU0's return register of
 * a guest that may already be running again.  So, for a suspend recorded
 * CVG_GUARD_BY_LIBXL and not handed over, the guardian watches (up to
 * CVG_GUARD_LIBXL_GRACE_MS): if the guest is resumed, it is done; if
 * libxl's process dies first, nobody else will resume the guest and the
 * guardian does.  A suspend recorded CVG_GUARD_BY_HELPER (the helper
 * stopped the guest itself) is resumed at once.  After HANDED_OVER (a
 * save that completed: the stream ended in END and libxl has it) the
 * guardian never resumes -- libxl decides, and resuming a guest whose
 * copy may be about to run at the destination would run it twice.
 *
 * Record before change: each cvg_guard_save_* call reads the current value
 * through the helper's own hv handle and sends it before returning 0; the
 * socket's buffer holds it even if the helper is killed the next moment.
 * Only the first record of an item counts (the original), until a release.
 * A call that fails (no guardian any more) means: do not make the change.
 *
 * For the throttle controllers, either
 *   - change cap, budgets and affinity only through cvg_guarded_*_set(),
 *     and call cvg_guard_restore_sched() on every exit path; or
 *   - read the originals yourself, hand them to cvg_guard_record_*() before
 *     the first change (a non-zero return vetoes the change), restore them
 *     yourself and then call cvg_guard_release_sched().
 * A NULL guard is an unguarded run (unit tests, in-process drivers): the
 * setters only set, the records do nothing.
 */
#ifndef CVG_GUARDIAN_GUARD_H
#define CVG_GUARDIAN_GUARD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "guardian/guard_msg.h"
#include "guardian/ledger.h"
#include "hv/hv.h"

#define CVG_GUARD_START_TIMEOUT_MS  5000u   /* the guardian has its hv handle */
#define CVG_GUARD_FINISH_TIMEOUT_MS 3000u   /* RESTORED after BYE */
#define CVG_GUARD_LIBXL_GRACE_MS    5000u   /* libxl's caller resumes meanwhile */
#define CVG_GUARD_ALARM_S           60u     /* the guardian's last resort */

/* Levels of the guardian's own messages (xentoollog's numbers). */
enum cvg_guard_level {
    CVG_GUARD_LOG_INFO = 5,
    CVG_GUARD_LOG_NOTICE = 6,
    CVG_GUARD_LOG_WARN = 7,
    CVG_GUARD_LOG_ERROR = 8,
};

struct cvg_guard_cfg {
    uint32_t domid;
    /* The process that suspends and resumes the guest for us: libxl, the
     * helper's parent (getppid()).  0: unknown, a BY_LIBXL suspend is then
     * never resumed by the guardian; -1: gone already. */
    pid_t libxl_pid;
    /* Called in the guardian process for what it did (it has no IPC):
     * converge-helper writes these to stderr, which is xl's log. */
    void (*log)(void *opaque, enum cvg_guard_level level, const char *text);
    void *opaque;
};

struct cvg_guard;

/* Forks the guardian and waits until it holds its own hv handle. */
int cvg_guard_start(struct cvg_guard **g, const struct cvg_guard_cfg *cfg,
                    struct cvg_err *err);

/* Before a change: record the current value (read through hv). */
int cvg_guard_save_cap(struct cvg_guard *g, struct cvg_hv *hv, struct cvg_err *err);
int cvg_guard_save_budget(struct cvg_guard *g, struct cvg_hv *hv, uint32_t vcpu,
                          struct cvg_err *err);
int cvg_guard_save_affinity(struct cvg_guard *g, struct cvg_hv *hv, uint32_t vcpu,
                            struct cvg_err *err);
int cvg_guard_save_logdirty(struct cvg_guard *g, struct cvg_hv *hv, struct cvg_err *err);
/* The same with the value already read by the caller (the throttle's
 * record hook: engine/throttle.h).  Only the first record of an item counts. */
int cvg_guard_record_cap(struct cvg_guard *g, uint32_t cap, struct cvg_err *err);
int cvg_guard_record_budget(struct cvg_guard *g, uint32_t vcpu, uint32_t period_us,
                            uint32_t budget_us, struct cvg_err *err);
int cvg_guard_record_affinity(struct cvg_guard *g, uint32_t vcpu, const uint64_t *cpumap,
                              size_t nwords, struct cvg_err *err);
/* Before hv->pause (one reference) or before asking for a suspend. */
int cvg_guard_note_pause(struct cvg_guard *g, struct cvg_err *err);
int cvg_guard_note_suspend(struct cvg_guard *g, enum cvg_guard_suspender by,
                           struct cvg_err *err);

/* The helper put it back itself (vcpu: for budget and affinity). */
int cvg_guard_released(struct cvg_guard *g, enum cvg_guard_item item, uint32_t vcpu,
                       struct cvg_err *err);
/* The save completed and libxl acknowledged it: never resume the guest.
 * Ends the guardian (after putting back anything still recorded). */
int cvg_guard_handed_over(struct cvg_guard *g, struct cvg_err *err);

/* The helper's own cleanup for the throttles: cap, budgets and affinity
 * back to the recorded values, released.  Log-dirty stays the engine's. */
int cvg_guard_restore_sched(struct cvg_guard *g, struct cvg_hv *hv, struct cvg_err *err);
/* The caller put cap, budgets and affinity back itself (e.g.
 * cvg_throttle_release): release every such record without touching hv. */
int cvg_guard_release_sched(struct cvg_guard *g, struct cvg_err *err);

/* Record-then-set, for the throttle controllers. */
int cvg_guarded_cap_set(struct cvg_guard *g, struct cvg_hv *hv, uint32_t domid, uint32_t cap,
                        struct cvg_err *err);
int cvg_guarded_budget_set(struct cvg_guard *g, struct cvg_hv *hv, uint32_t domid,
                           uint32_t vcpu, uint32_t period_us, uint32_t budget_us,
                           struct cvg_err *err);
int cvg_guarded_affinity_set(struct cvg_guard *g, struct cvg_hv *hv, uint32_t domid,
                             uint32_t vcpu, const uint64_t *cpumap, size_t nwords,
                             struct cvg_err *err);
int cvg_guarded_pause(struct cvg_guard *g, struct cvg_hv *hv, uint32_t domid,
                      struct cvg_err *err);
int cvg_guarded_unpause(struct cvg_guard *g, struct cvg_hv *hv, uint32_t domid,
                        struct cvg_err *err);

/* What the helper's ledger holds now (for tests and reports). */
const struct cvg_guard_ledger *cvg_guard_ledger(const struct cvg_guard *g);
pid_t cvg_guard_pid(const struct cvg_guard *g);

/*
 * BYE, then wait (bounded) for the guardian's RESTORED; frees g.  After a
 * hand-over only reaps.  *failed (may be NULL): items the guardian could
 * not restore.  Safe with g NULL.
 */
int cvg_guard_finish(struct cvg_guard *g, uint32_t *failed, struct cvg_err *err);

/* The guardian's body, in cvg_guard_start's child: serves fd until the
 * session ends, puts back, returns the exit status.  libxl_pidfd: a pidfd
 * of cfg->libxl_pid, or -1 (then kill(pid, 0) tells). */
int cvg_guardian_main(int fd, int libxl_pidfd, const struct cvg_guard_cfg *cfg);

#endif
