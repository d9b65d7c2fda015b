/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The owner's measurement: log-dirty on and off, and one window every
 * window_ms -- a stats-only CLEAN (pages newly dirtied since the last),
 * each vCPU's run time, the controller (dlc.h), the sessions of MEASURE
 * requests, and the shares applied through the levers.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/owner_priv.h"
#include "lib/usock.h"

static int read_times(struct owner *o, uint64_t *ns, struct cvg_err *err)
{
    struct cvg_vcpuinfo vi;
    int rc;

    for (uint32_t v = 0; v < o->nr; v++) {
        rc = o->hv->ops->vcpuinfo(o->hv, o->domid, v, &vi, err);
        if (rc)
            return rc;
        ns[v] = vi.cpu_time_ns;
    }
    return 0;
}

int cvg_owner_stop_windows(struct owner *o, struct cvg_err *err)
{
    int rc, r;

    if (!o->active)
        return 0;
    rc = cvg_levers_release(&o->lv, err);
    r = o->hv->ops->logdirty_disable(o->hv, o->domid, err);
    if (!r && o->logdirty_recorded) {
        r = cvg_guard_released(o->guard, CVG_GUARD_LOGDIRTY, 0, err);
        o->logdirty_recorded = r != 0;
    }
    o->active = false;
    return rc ? rc : r;
}

int cvg_owner_start_windows(struct owner *o, struct cvg_err *err)
{
    struct cvg_dlc_params p;
    struct cvg_err lerr = { 0 };
    bool on = false;
    int rc;

    if (o->active)
        return 0;
    if (cvg_owner_migration_running(o))
        return cvg_fail(err, -EBUSY, "a migration of domain %u is running: it owns "
                        "log-dirty and its own throttle governs the domain", o->domid);
    /* Xen 4.17 cannot tell; the simulator can. */
    if (!o->hv->ops->logdirty_enabled(o->hv, o->domid, &on, NULL) && on)
        return cvg_fail(err, -EBUSY, "log-dirty is already on for domain %u and no "
                        "xen-converge migration holds it: something else uses it (a stock "
                        "libxl-save-helper?)", o->domid);
    rc = cvg_guard_save_logdirty(o->guard, o->hv, &lerr);
    if (rc == -EOPNOTSUPP) {
        /* Xen has no query for the mode, so the guardian cannot record it
         * (guard.h has no record-with-value for log-dirty): the scheduler
         * settings stay guarded, log-dirty would stay on after a SIGKILL. */
        if (!o->warned_ld_record)
            cvg_owner_log(o, CVG_OWNER_LOG_WARN, "domain %u: %s; the guardian will not switch "
                          "log-dirty off should this owner be killed", o->domid, lerr.msg);
        o->warned_ld_record = true;
    } else if (rc) {
        return cvg_fail(err, rc, "%s", lerr.msg);
    } else {
        o->logdirty_recorded = true;
    }
    rc = o->hv->ops->logdirty_enable(o->hv, o->domid, err);
    if (rc)
        return rc;
    o->active = true;
    /* A migration that started while we switched it on must win. */
    if (cvg_owner_migration_running(o)) {
        cvg_owner_stop_windows(o, NULL);
        return cvg_fail(err, -EBUSY, "a migration of domain %u started: it owns log-dirty",
                        o->domid);
    }
    cvg_dlc_defaults(&p);
    cvg_dlc_init(o->dlc, o->nr, &p);
    for (uint32_t v = 0; v < o->nr; v++)
        if (o->limit[v])
            cvg_dlc_set_quota(o->dlc, v, o->limit[v] * CVG_OWNER_PAGES_PER_MIB);
    rc = o->hv->ops->logdirty_op(o->hv, o->domid, CVG_LOGDIRTY_CLEAN, NULL, 0, 0, NULL, err);
    if (!rc)
        rc = read_times(o, o->last_ns, err);
    if (rc) {
        cvg_owner_stop_windows(o, NULL);
        return rc;
    }
    o->win_start_ms = cvg_mono_ms();
    o->next_tick_ms = o->win_start_ms + o->window_ms;
    cvg_owner_log(o, CVG_OWNER_LOG_INFO, "domain %u: log-dirty on, measuring in %u ms windows",
                  o->domid, o->window_ms);
    return 0;
}

static void finish_session(struct owner *o, struct client *c)
{
    const struct cvg_est *e = &o->dlc->est;
    struct session *s = &c->s;
    struct cvg_own_reply *r;
    double total = 0, wconf = 0;

    c->pending = false;
    if (s->dt <= 0) {
        cvg_owner_reply_status(o, c, CVG_OWN_MEASURE, -EAGAIN, "no measurement window completed");
        return;
    }
    r = calloc(1, sizeof(*r));
    if (!r) {
        cvg_owner_drop_client(o, c);
        return;
    }
    r->op = CVG_OWN_MEASURE;
    r->source = 0;
    r->period_ms = (uint32_t)lround(s->dt * 1000);
    r->rate_mib_s = s->pages / s->dt / CVG_OWNER_PAGES_PER_MIB;
    r->n = o->nr;
    for (uint32_t v = 0; v < o->nr; v++) {
        struct cvg_own_vcpu *x = &r->v[v];
        double cpu = s->run[v] / s->dt;

        x->vcpu = v;
        x->cpu = cpu > 1 ? 1 : cpu;
        x->flags = cvg_dlc_flags(o->dlc, v) & ~CVG_OWN_VCPU_IDLE;
        if (cpu <= o->dlc->p.idle_cpu) {
            /* What does not run does not write. */
            x->flags = (x->flags & CVG_OWN_VCPU_LIMITED) | CVG_OWN_VCPU_IDLE;
            x->confidence = 1;
            continue;
        }
        x->rate_mib_s = e->r[v] * cpu / CVG_OWNER_PAGES_PER_MIB;
        x->confidence = e->conf[v] < 0 ? 0 : (e->conf[v] > 1 ? 1 : e->conf[v]);
        total += x->rate_mib_s;
        wconf += x->rate_mib_s * x->confidence;
    }
    r->confidence = total > 0 ? wconf / total : (e->r2 > 1 ? 1 : e->r2);
    cvg_owner_send_reply(o, c, r);
    free(r);
}

void cvg_owner_fail_sessions(struct owner *o, int status, const char *why)
{
    for (uint32_t i = 0; i < CVG_OWNER_CLIENTS; i++)
        if (o->cl[i].fd >= 0 && o->cl[i].pending) {
            o->cl[i].pending = false;
            cvg_owner_reply_status(o, &o->cl[i], CVG_OWN_MEASURE, status, why);
        }
}

int cvg_owner_tick(struct owner *o, struct cvg_err *err)
{
    struct cvg_logdirty_stats ls = { 0 };
    struct cvg_dlc_window w;
    uint64_t ns[CVG_DLC_MAX_VCPUS], now;
    double run[CVG_DLC_MAX_VCPUS], share[CVG_DLC_MAX_VCPUS];
    bool on = true, probe;
    uint32_t sessions;
    int rc;

    /* Someone switched log-dirty off under us (the simulator can tell):
     * a tool that does not ask for a hand-over has taken the domain. */
    if (!o->hv->ops->logdirty_enabled(o->hv, o->domid, &on, NULL) && !on)
        return cvg_fail(err, -EBUSY, "log-dirty of domain %u was switched off by someone "
                        "else", o->domid);
    rc = o->hv->ops->logdirty_op(o->hv, o->domid, CVG_LOGDIRTY_CLEAN, NULL, 0, 0, &ls, err);
    if (!rc)
        rc = read_times(o, ns, err);
    if (rc)
        return rc;
    now = cvg_mono_ms();
    w.dt_s = (now - o->win_start_ms) / 1000.0;
    w.pages = ls.dirty_count;
    w.run_s = run;
    for (uint32_t v = 0; v < o->nr; v++) {
        run[v] = ns[v] >= o->last_ns[v] ? (ns[v] - o->last_ns[v]) / 1e9 : 0;
        if (run[v] > w.dt_s)
            run[v] = w.dt_s;
        o->last_ns[v] = ns[v];
    }
    o->win_start_ms = now;
    o->next_tick_ms = now + o->window_ms;
    if (w.dt_s <= 0)
        return 0;
    cvg_dlc_observe(o->dlc, &w);

    for (uint32_t i = 0; i < CVG_OWNER_CLIENTS; i++) {
        struct client *c = &o->cl[i];

        if (c->fd < 0 || !c->pending)
            continue;
        /* Probe windows are slowed on purpose: the rate is the others'. */
        if (!o->dlc->last_was_hit && now > c->s.start_ms) {
            c->s.dt += w.dt_s;
            c->s.pages += w.pages;
            for (uint32_t v = 0; v < o->nr; v++)
                c->s.run[v] += run[v];
        }
        /* A probe round under way at the end is worth waiting for, up to
         * another period. */
        if (now >= c->s.end_ms &&
            (!cvg_dlc_probing(o->dlc) || now - c->s.end_ms >= c->s.end_ms - c->s.start_ms))
            finish_session(o, c);
    }
    sessions = cvg_owner_nr_sessions(o, &probe);
    o->dlc->identify = sessions && probe;
    o->dlc->probe_allowed = probe || cvg_owner_nr_limits(o);
    cvg_dlc_plan(o->dlc, share);
    if (o->cfg->trace)
        cvg_owner_log(o, CVG_OWNER_LOG_DEBUG, "window %.3f s: %.0f pages, run %.3f %.3f %.3f "
                      "%.3f, phase %d, next shares %.2f %.2f %.2f %.2f, unsplit %d%d%d%d, r0 %.0f",
                      w.dt_s, w.pages, run[0], o->nr > 1 ? run[1] : 0, o->nr > 2 ? run[2] : 0,
                      o->nr > 3 ? run[3] : 0, o->dlc->probe.phase, share[0],
                      o->nr > 1 ? share[1] : 0, o->nr > 2 ? share[2] : 0,
                      o->nr > 3 ? share[3] : 0, o->dlc->est.unsplit[0], o->dlc->est.unsplit[1],
                      o->dlc->est.unsplit[2], o->dlc->est.unsplit[3], o->dlc->est.r[0]);
    return cvg_levers_apply(&o->lv, share, o->dlc->u0, NULL, err);
}
