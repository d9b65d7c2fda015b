/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "lib/levers.h"

#define N CVG_ACT_MAX_VCPUS

static enum cvg_lever lever_for(enum cvg_sched_id s)
{
    switch (s) {
    case CVG_SCHED_SIM:
    case CVG_SCHED_RTDS:
        return CVG_LEVER_BUDGET;
    case CVG_SCHED_CREDIT:
    case CVG_SCHED_CREDIT2:
        return CVG_LEVER_AFFINITY;
    default:
        return CVG_LEVER_CAP;
    }
}

int cvg_levers_init(struct cvg_levers *l, struct cvg_hv *hv, struct cvg_guard *guard,
                    uint32_t domid, uint32_t nr_vcpus, struct cvg_err *err)
{
    enum cvg_sched_id sched = CVG_SCHED_CREDIT2;
    int rc;

    memset(l, 0, sizeof(*l));
    l->hv = hv;
    l->guard = guard;
    l->domid = domid;
    l->n = nr_vcpus > N ? N : nr_vcpus;
    rc = hv->ops->sched_id(hv, domid, &sched, err);
    if (rc)
        return rc;
    l->lever = lever_for(sched);
    if (hv->ops->nr_pcpus(hv, &l->nr_pcpus, NULL) || !l->nr_pcpus)
        l->nr_pcpus = 1;
    if (l->nr_pcpus > 64)
        l->nr_pcpus = 64;       /* one cpumap word */
    return 0;
}

static int set_cap(struct cvg_levers *l, uint32_t want, struct cvg_err *err)
{
    int rc;

    if (!l->cap_saved) {
        if ((rc = l->hv->ops->cap_get(l->hv, l->domid, &l->orig_cap, err)) ||
            (rc = cvg_guard_record_cap(l->guard, l->orig_cap, err)))
            return rc;
        l->cap_saved = true;
        l->cur_cap = l->orig_cap;
    }
    /* 0: no throttle, i.e. the administrator's own cap; never above it. */
    if (!want || (l->orig_cap && want > l->orig_cap))
        want = l->orig_cap;
    if (want == l->cur_cap)
        return 0;
    rc = l->hv->ops->cap_set(l->hv, l->domid, want, err);
    if (!rc) {
        l->cur_cap = want;
        l->cap_changed = want != l->orig_cap;
    }
    return rc;
}

static int set_budget(struct cvg_levers *l, uint32_t v, uint32_t want_us, struct cvg_err *err)
{
    uint32_t period = CVG_LEVERS_PERIOD_US;
    int rc;

    if (!l->budget_saved[v]) {
        if ((rc = l->hv->ops->vcpu_budget_get(l->hv, l->domid, v, &l->orig_period[v],
                                              &l->orig_budget[v], err)) ||
            (rc = cvg_guard_record_budget(l->guard, v, l->orig_period[v], l->orig_budget[v],
                                          err)))
            return rc;
        l->budget_saved[v] = true;
        l->cur_period[v] = l->orig_period[v];
        l->cur_budget[v] = l->orig_budget[v];
    }
    /* A full budget means "no limit": what was there before us. */
    if (want_us >= period) {
        period = l->orig_period[v];
        want_us = l->orig_budget[v];
    } else if (l->orig_budget[v] < l->orig_period[v] &&
               (uint64_t)want_us * l->orig_period[v] > (uint64_t)l->orig_budget[v] * period) {
        /* Never more than the administrator's own budget allows. */
        period = l->orig_period[v];
        want_us = l->orig_budget[v];
    }
    if (want_us == l->cur_budget[v] && period == l->cur_period[v])
        return 0;
    rc = l->hv->ops->vcpu_budget_set(l->hv, l->domid, v, period, want_us, err);
    if (!rc) {
        l->cur_period[v] = period;
        l->cur_budget[v] = want_us;
        l->budget_changed[v] = period != l->orig_period[v] || want_us != l->orig_budget[v];
    }
    return rc;
}

static int set_affinity(struct cvg_levers *l, uint32_t v, uint64_t want, struct cvg_err *err)
{
    int rc;

    if (!l->aff_saved[v]) {
        if ((rc = l->hv->ops->vcpu_affinity_get(l->hv, l->domid, v, &l->orig_aff[v], 1,
                                                err)) ||
            (rc = cvg_guard_record_affinity(l->guard, v, &l->orig_aff[v], 1, err)))
            return rc;
        l->aff_saved[v] = true;
        l->cur_aff[v] = l->orig_aff[v];
    }
    if (!want)
        want = l->orig_aff[v];
    if (want == l->cur_aff[v])
        return 0;
    rc = l->hv->ops->vcpu_affinity_set(l->hv, l->domid, v, &want, 1, err);
    if (!rc) {
        l->cur_aff[v] = want;
        l->aff_changed[v] = want != l->orig_aff[v];
    }
    return rc;
}

int cvg_levers_apply(struct cvg_levers *l, const double *share, const double *u0,
                     double *effective, struct cvg_err *err)
{
    struct cvg_act_out act;
    struct cvg_act_in in = {
        .nr_vcpus = l->n,
        .share = share,
        .u0 = u0,
        .nr_pcpus = l->nr_pcpus,
        .period_us = CVG_LEVERS_PERIOD_US,
    };
    int rc = 0;

    memset(&act, 0, sizeof(act));
    cvg_actuate(l->lever, &in, &act);
    if (act.cap || l->cap_changed)
        rc = set_cap(l, act.cap, err);
    for (uint32_t v = 0; v < l->n && !rc; v++) {
        if (act.budgets || l->budget_changed[v])
            rc = set_budget(l, v, act.budgets ? act.budget_us[v] : CVG_LEVERS_PERIOD_US, err);
        if (!rc && (act.affinity || l->aff_changed[v]))
            rc = set_affinity(l, v, act.affinity ? act.cpumap[v] : 0, err);
        if (effective)
            effective[v] = act.effective[v];
    }
    return rc;
}

int cvg_levers_release(struct cvg_levers *l, struct cvg_err *err)
{
    struct cvg_hv *hv = l->hv;
    int rc = 0, r;

    /* Each on its own: one that fails must not keep the others. */
    for (uint32_t v = 0; v < l->n; v++) {
        if (l->budget_saved[v]) {
            r = l->budget_changed[v] ?
                hv->ops->vcpu_budget_set(hv, l->domid, v, l->orig_period[v],
                                         l->orig_budget[v], err) : 0;
            if (!r) {
                l->budget_changed[v] = false;
                l->budget_saved[v] = false;
                r = cvg_guard_released(l->guard, CVG_GUARD_BUDGET, v, err);
            }
            rc = rc ? rc : r;
        }
        if (l->aff_saved[v]) {
            r = l->aff_changed[v] ?
                hv->ops->vcpu_affinity_set(hv, l->domid, v, &l->orig_aff[v], 1, err) : 0;
            if (!r) {
                l->aff_changed[v] = false;
                l->aff_saved[v] = false;
                r = cvg_guard_released(l->guard, CVG_GUARD_AFFINITY, v, err);
            }
            rc = rc ? rc : r;
        }
    }
    if (l->cap_saved) {
        r = l->cap_changed ? hv->ops->cap_set(hv, l->domid, l->orig_cap, err) : 0;
        if (!r) {
            l->cap_changed = false;
            l->cap_saved = false;
            r = cvg_guard_released(l->guard, CVG_GUARD_CAP, 0, err);
        }
        rc = rc ? rc : r;
    }
    return rc;
}

bool cvg_levers_changed(const struct cvg_levers *l)
{
    if (l->cap_changed)
        return true;
    for (uint32_t v = 0; v < l->n; v++)
        if (l->budget_changed[v] || l->aff_changed[v])
            return true;
    return false;
}
