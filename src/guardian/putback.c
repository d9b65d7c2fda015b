/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "guardian/putback.h"

struct put {
    struct cvg_hv *hv;
    struct cvg_guard_ledger *l;
    cvg_guard_note_fn *note;
    void *opaque;
    struct cvg_guard_tally *t;
    struct cvg_err *err;
    int rc;
};

static void note(struct put *p, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void note(struct put *p, bool ok, const char *fmt, ...)
{
    char text[CVG_ERR_MSG_MAX + 128];
    va_list ap;

    if (!p->note)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    p->note(p->opaque, ok, text);
}

/*
 * Books one attempt.  Returns true when the item is settled (restored, or
 * its domain is gone) and may be forgotten.
 */
static bool outcome(struct put *p, int rc, const struct cvg_err *e, const char *what)
{
    if (!rc) {
        p->t->restored++;
        note(p, true, "domain %u: %s restored", p->l->domid, what);
        return true;
    }
    if (rc == -ESRCH) {
        if (!p->t->domain_gone)
            note(p, true, "domain %u is gone: nothing to restore", p->l->domid);
        p->t->domain_gone = true;
        return true;
    }
    p->t->failed++;
    note(p, false, "domain %u: cannot restore %s: %s", p->l->domid, what, e->msg);
    if (!p->rc)
        p->rc = cvg_fail(p->err, rc, "domain %u: cannot restore %s: %s", p->l->domid, what,
                         e->msg);
    return false;
}

static void put_sched(struct put *p)
{
    struct cvg_guard_ledger *l = p->l;
    const struct cvg_hv_ops *ops = p->hv->ops;
    char what[96];

    for (uint32_t v = 0; v < CVG_GUARD_MAX_VCPUS; v++) {
        struct cvg_err e = { 0 };

        if (!l->budget_saved[v] || p->t->domain_gone)
            continue;
        snprintf(what, sizeof(what), "vcpu %u budget %u/%u us", v, l->budget_us[v],
                 l->period_us[v]);
        if (outcome(p, ops->vcpu_budget_set(p->hv, l->domid, v, l->period_us[v],
                                            l->budget_us[v], &e), &e, what))
            l->budget_saved[v] = false;
    }
    for (uint32_t v = 0; v < CVG_GUARD_MAX_VCPUS; v++) {
        struct cvg_err e = { 0 };

        if (!l->affinity_saved[v] || p->t->domain_gone)
            continue;
        snprintf(what, sizeof(what), "vcpu %u hard affinity (%#llx%s)", v,
                 (unsigned long long)l->affinity[v][0], l->affinity_words[v] > 1 ? "..." : "");
        if (outcome(p, ops->vcpu_affinity_set(p->hv, l->domid, v, l->affinity[v],
                                              l->affinity_words[v], &e), &e, what))
            l->affinity_saved[v] = false;
    }
    if (l->cap_saved && !p->t->domain_gone) {
        struct cvg_err e = { 0 };

        snprintf(what, sizeof(what), "cap %u%s", l->cap, l->cap ? "%" : " (uncapped)");
        if (outcome(p, ops->cap_set(p->hv, l->domid, l->cap, &e), &e, what))
            l->cap_saved = false;
    }
}

static void put_logdirty(struct put *p)
{
    struct cvg_guard_ledger *l = p->l;
    struct cvg_err e = { 0 };
    bool on = false;
    int rc;

    if (!l->logdirty_saved || p->t->domain_gone)
        return;
    /* Put back only what differs: the helper may have died before its
     * enable, or after its own disable. */
    rc = p->hv->ops->logdirty_enabled(p->hv, l->domid, &on, &e);
    if (rc == -EOPNOTSUPP && !l->logdirty_was_on) {
        /* Xen 4.17 cannot say (only the handle that switched it knows, and
         * the guardian's is not the helper's); switching it off is a no-op
         * for a domain that is not in log-dirty mode. */
        cvg_err_clear(&e);
        rc = p->hv->ops->logdirty_disable(p->hv, l->domid, &e);
    } else if (!rc && on != l->logdirty_was_on) {
        rc = l->logdirty_was_on ? p->hv->ops->logdirty_enable(p->hv, l->domid, &e) :
                                  p->hv->ops->logdirty_disable(p->hv, l->domid, &e);
    }
    if (outcome(p, rc, &e, l->logdirty_was_on ? "log-dirty on" : "log-dirty off"))
        l->logdirty_saved = false;
}

static void put_pauses(struct put *p)
{
    struct cvg_guard_ledger *l = p->l;

    while (l->pauses && !p->t->domain_gone) {
        struct cvg_err e = { 0 };

        if (!outcome(p, p->hv->ops->unpause(p->hv, l->domid, &e), &e,
                     "a pause reference (unpaused)"))
            break;
        l->pauses--;
    }
    if (p->t->domain_gone)
        l->pauses = 0;
}

int cvg_guard_putback(struct cvg_hv *hv, struct cvg_guard_ledger *l, unsigned what,
                      cvg_guard_note_fn *note_fn, void *opaque, struct cvg_guard_tally *t,
                      struct cvg_err *err)
{
    struct put p = { hv, l, note_fn, opaque, t, err, 0 };

    if (what & CVG_GUARD_PUT_SCHED)
        put_sched(&p);
    if (what & CVG_GUARD_PUT_LOGDIRTY)
        put_logdirty(&p);
    if (what & CVG_GUARD_PUT_PAUSES)
        put_pauses(&p);
    if (t->domain_gone) {
        bool suspended = l->suspended, handed = l->handed_over;
        enum cvg_guard_suspender by = l->suspended_by;

        cvg_guard_ledger_init(l, l->domid);
        l->suspended = suspended;
        l->suspended_by = by;
        l->handed_over = handed;
    }
    return p.rc;
}

int cvg_guard_resume(struct cvg_hv *hv, struct cvg_guard_ledger *l, bool *resumed,
                     struct cvg_err *err)
{
    struct cvg_dominfo info;
    int rc;

    *resumed = false;
    rc = hv->ops->dominfo(hv, l->domid, &info, err);
    if (rc == -ESRCH) {
        l->suspended = false;
        return 0;
    }
    if (rc)
        return rc;
    l->suspended = false;
    if (!info.shutdown || info.shutdown_reason != CVG_SHUTDOWN_SUSPEND || info.dying)
        return 0;
    rc = hv->ops->resume(hv, l->domid, err);
    if (!rc)
        *resumed = true;
    return rc;
}
