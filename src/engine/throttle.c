/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/clock.h"
#include "engine/throttle.h"
#include "policy/actuator.h"
#include "policy/trace.h"

#define N CVG_POLICY_MAX_VCPUS
#define BUDGET_PERIOD_US 10000      /* credit2's cap period, the simulator's slice */

struct cvg_throttle {
    struct cvg_hv *hv;
    uint32_t domid;
    uint32_t n;
    struct cvg_throttle_hooks hooks;
    struct cvg_policy_state *pol;
    struct cvg_policy_output out;
    enum cvg_lever lever;
    uint32_t nr_pcpus;

    uint64_t vcpu_ns[N];
    uint64_t dom_ns;
    uint64_t next_sample_ms;
    /* A refresh's cost: from the poll that asked for it to the call that
     * says it is done (the CLEAN and the merge into the next pass's set). */
    uint64_t refresh_asked_ns;
    uint32_t clean_us;
    uint32_t overhead_ms;       /* switchover_overhead_ms */
    int trace_fd;               /* XENCONVERGE_POLICY_TRACE, -1: off */
    uint32_t max_pct, cur_pct;

    /* What was there before us, and what we changed. */
    uint32_t orig_cap, cur_cap;
    bool cap_saved, cap_changed;
    uint32_t orig_period[N], orig_budget[N], cur_budget[N];
    bool budget_saved[N], budget_changed[N];
    uint64_t orig_aff[N], cur_aff[N];
    bool aff_saved[N], aff_changed[N];
};

static int read_times(struct cvg_throttle *t, struct cvg_err *err)
{
    struct cvg_dominfo di;
    struct cvg_vcpuinfo vi;
    int rc = t->hv->ops->dominfo(t->hv, t->domid, &di, err);

    if (rc)
        return rc;
    t->dom_ns = di.cpu_time_ns;
    for (uint32_t v = 0; v < t->n; v++) {
        rc = t->hv->ops->vcpuinfo(t->hv, t->domid, v, &vi, err);
        if (rc)
            return rc;
        t->vcpu_ns[v] = vi.cpu_time_ns;
    }
    return 0;
}

static void fill(struct cvg_throttle *t, struct cvg_policy_input *in, enum cvg_point pt,
                 const struct cvg_mig_stats *st, uint64_t peek, uint64_t pass_dirty)
{
    memset(in, 0, sizeof(*in));
    in->point = pt;
    in->st = *st;
    in->st.throttle_pct = t->cur_pct;
    in->peek_pages = peek;
    in->pass_dirty_pages = pass_dirty;
    in->dom_cpu_ns = t->dom_ns;
    in->vcpu_cpu_ns = t->vcpu_ns;
    in->vcpu_dirty_pages = NULL;    /* Xen has no per-vCPU dirty log */
    in->overhead_ms = t->overhead_ms;
    in->clean_us = t->clean_us;
}

/*
 * XENCONVERGE_POLICY_TRACE=FILE: a CSV line per policy step
 * (policy/trace.h), the format `xl-converge bench --trace` writes, to
 * compare a real-time run with the model step by step.  A diagnostic the
 * user asked for, like the status file: opened once, appended to, and a
 * failed write costs the migration nothing.
 */
static void trace_open(struct cvg_throttle *t)
{
    const char *path = getenv(CVG_POLICY_TRACE_ENV);
    char head[8192];
    int n;

    t->trace_fd = -1;
    if (!path || !*path)
        return;
    t->trace_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (t->trace_fd < 0)
        return;
    n = cvg_policy_trace_header(head, sizeof(head), t->n);
    if (n > 0 && n < (int)sizeof(head) && write(t->trace_fd, head, (size_t)n) < 0) {
        close(t->trace_fd);
        t->trace_fd = -1;
    }
}

static void trace(struct cvg_throttle *t, const struct cvg_policy_input *in)
{
    char line[8192];
    int n;

    if (t->trace_fd < 0)
        return;
    n = cvg_policy_trace_line(line, sizeof(line), t->pol, in, &t->out);
    /* A line too long for the buffer (many vCPUs) is left out, never split. */
    if (n > 0 && n < (int)sizeof(line) && write(t->trace_fd, line, (size_t)n) < 0) {
        close(t->trace_fd);
        t->trace_fd = -1;
    }
}

static int record(struct cvg_throttle *t, enum cvg_throttle_setting what, uint32_t vcpu,
                  uint64_t value, struct cvg_err *err)
{
    if (t->hooks.record && t->hooks.record(t->hooks.opaque, what, vcpu, value))
        return cvg_fail(err, -EPERM, "domain %u: the guardian could not record the "
                        "original setting: not throttling", t->domid);
    return 0;
}

static int set_cap(struct cvg_throttle *t, uint32_t want, struct cvg_err *err)
{
    int rc;

    if (!t->cap_saved) {
        if ((rc = t->hv->ops->cap_get(t->hv, t->domid, &t->orig_cap, err)) ||
            (rc = record(t, CVG_SETTING_CAP, 0, t->orig_cap, err)))
            return rc;
        t->cap_saved = true;
        t->cur_cap = t->orig_cap;
    }
    /* 0 = "no throttle": the administrator's own cap, whatever it was. */
    if (!want)
        want = t->orig_cap;
    else if (t->orig_cap && want > t->orig_cap)
        want = t->orig_cap;
    if (want == t->cur_cap)
        return 0;
    rc = t->hv->ops->cap_set(t->hv, t->domid, want, err);
    if (!rc) {
        t->cur_cap = want;
        t->cap_changed = want != t->orig_cap;
    }
    return rc;
}

static int set_budget(struct cvg_throttle *t, uint32_t v, uint32_t want_us,
                      struct cvg_err *err)
{
    uint32_t period = BUDGET_PERIOD_US;
    int rc;

    if (!t->budget_saved[v]) {
        if ((rc = t->hv->ops->vcpu_budget_get(t->hv, t->domid, v, &t->orig_period[v],
                                              &t->orig_budget[v], err)) ||
            (rc = record(t, CVG_SETTING_BUDGET, v,
                         (uint64_t)t->orig_period[v] << 32 | t->orig_budget[v], err)))
            return rc;
        t->budget_saved[v] = true;
        t->cur_budget[v] = t->orig_budget[v];
    }
    /* A full budget means "no throttle": what was there before us. */
    if (want_us >= period) {
        if (!t->budget_changed[v])
            return 0;
        period = t->orig_period[v];
        want_us = t->orig_budget[v];
    }
    if (want_us == t->cur_budget[v] && t->budget_changed[v] == (want_us != t->orig_budget[v]))
        return 0;
    rc = t->hv->ops->vcpu_budget_set(t->hv, t->domid, v, period, want_us, err);
    if (!rc) {
        t->cur_budget[v] = want_us;
        t->budget_changed[v] = period != t->orig_period[v] || want_us != t->orig_budget[v];
    }
    return rc;
}

static int set_affinity(struct cvg_throttle *t, uint32_t v, uint64_t want,
                        struct cvg_err *err)
{
    int rc;

    if (!t->aff_saved[v]) {
        if ((rc = t->hv->ops->vcpu_affinity_get(t->hv, t->domid, v, &t->orig_aff[v], 1, err)) ||
            (rc = record(t, CVG_SETTING_AFFINITY, v, t->orig_aff[v], err)))
            return rc;
        t->aff_saved[v] = true;
        t->cur_aff[v] = t->orig_aff[v];
    }
    if (!want)
        want = t->orig_aff[v];
    if (want == t->cur_aff[v])
        return 0;
    rc = t->hv->ops->vcpu_affinity_set(t->hv, t->domid, v, &want, 1, err);
    if (!rc) {
        t->cur_aff[v] = want;
        t->aff_changed[v] = want != t->orig_aff[v];
    }
    return rc;
}

/* Applies the policy's latest output; levers no longer in use go back. */
static int apply(struct cvg_throttle *t, struct cvg_err *err)
{
    struct cvg_act_out act;
    struct cvg_act_in in = {
        .nr_vcpus = t->n,
        .share = t->out.per_vcpu ? t->out.share : NULL,
        .throttle_pct = t->out.throttle_pct,
        .u0_dom_pct = t->out.u0_dom_pct,
        .u0 = t->out.u0,
        .nr_pcpus = t->nr_pcpus,
        .period_us = BUDGET_PERIOD_US,
    };
    double worst = 0;
    int rc = 0;

    memset(&act, 0, sizeof(act));
    cvg_actuate(t->lever, &in, &act);
    if (act.cap || t->cap_changed)
        rc = set_cap(t, act.cap, err);
    for (uint32_t v = 0; v < t->n && !rc; v++) {
        if (act.budgets || t->budget_changed[v])
            rc = set_budget(t, v, act.budgets ? act.budget_us[v] : BUDGET_PERIOD_US, err);
        if (!rc && (act.affinity || t->aff_changed[v]))
            rc = set_affinity(t, v, act.affinity ? act.cpumap[v] : 0, err);
        if (act.effective[v] > 0 && 1.0 - act.effective[v] > worst)
            worst = 1.0 - act.effective[v];
    }
    t->cur_pct = t->out.throttle_pct;
    if (t->out.per_vcpu && (uint32_t)lround(worst * 100) > t->cur_pct)
        t->cur_pct = (uint32_t)lround(worst * 100);
    if (t->cur_pct > t->max_pct)
        t->max_pct = t->cur_pct;
    return rc;
}

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

int cvg_throttle_init(struct cvg_throttle **tp, struct cvg_hv *hv, uint32_t domid,
                      const struct cvg_tunables *tun, const struct cvg_stop_params *stop,
                      const struct cvg_throttle_hooks *hooks, struct cvg_err *err)
{
    struct cvg_throttle *t = calloc(1, sizeof(*t));
    struct cvg_policy_params p;
    struct cvg_policy_input in;
    struct cvg_mig_stats st = { 0 };
    struct cvg_dominfo di;
    enum cvg_sched_id sched = CVG_SCHED_CREDIT2;
    int rc;

    *tp = NULL;
    if (!t)
        return cvg_fail(err, -ENOMEM, "out of memory");
    t->pol = calloc(1, sizeof(*t->pol));
    if (!t->pol) {
        free(t);
        return cvg_fail(err, -ENOMEM, "out of memory for the policy state");
    }
    t->trace_fd = -1;
    t->overhead_ms = cvg_tun_switchover_overhead_ms(tun);
    t->hv = hv;
    t->domid = domid;
    if (hooks)
        t->hooks = *hooks;
    rc = hv->ops->dominfo(hv, domid, &di, err);
    if (rc)
        goto fail;
    t->n = di.max_vcpu_id + 1 > N ? N : di.max_vcpu_id + 1;
    if (hv->ops->nr_pcpus(hv, &t->nr_pcpus, NULL) || t->nr_pcpus == 0)
        t->nr_pcpus = 1;
    if (t->nr_pcpus > 64)
        t->nr_pcpus = 64;       /* one cpumap word */
    hv->ops->sched_id(hv, domid, &sched, NULL);
    t->lever = lever_for(sched);
    trace_open(t);

    cvg_policy_defaults(&p, (enum cvg_policy_kind)cvg_tun_policy(tun), t->n);
    p.stop = *stop;
    p.sample_interval_ms = cvg_tun_sample_interval_ms(tun);
    p.refresh_interval_ms = cvg_tun_refresh_interval_ms(tun);
    p.ac.trigger_pct = cvg_tun_throttle_trigger_pct(tun);
    p.ac.initial_pct = cvg_tun_throttle_initial_pct(tun);
    p.ac.increment_pct = cvg_tun_throttle_increment_pct(tun);
    p.ac.max_pct = cvg_tun_throttle_max_pct(tun);
    p.dl.quota_mib_s = cvg_tun_dirty_limit_mib_s(tun);
    p.dl.period_ms = cvg_tun_dirty_limit_period_ms(tun);
    cvg_policy_init(t->pol, &p);
    for (uint32_t v = 0; v < N; v++)
        t->out.share[v] = 1;
    t->out.eta_ms = UINT64_MAX;
    rc = read_times(t, err);
    if (rc)
        goto fail;
    fill(t, &in, CVG_POINT_SAMPLE, &st, 0, 0);
    cvg_policy_start(t->pol, &in);
    t->next_sample_ms = p.sample_interval_ms;
    *tp = t;
    return 0;
fail:
    if (t->trace_fd >= 0)
        close(t->trace_fd);
    free(t->pol);
    free(t);
    return rc;
}

static int step(struct cvg_throttle *t, enum cvg_point pt, const struct cvg_mig_stats *st,
                uint64_t peek, uint64_t pass_dirty, struct cvg_err *err)
{
    struct cvg_policy_input in;
    int rc = read_times(t, err);

    if (rc)
        return rc;
    fill(t, &in, pt, st, peek, pass_dirty);
    cvg_policy_step(t->pol, &in, &t->out);
    trace(t, &in);
    return apply(t, err);
}

int cvg_throttle_poll(struct cvg_throttle *t, const struct cvg_mig_stats *st,
                      uint64_t pass_dirty_pages, bool *refresh,
                      enum cvg_decision *decision, struct cvg_err *err)
{
    struct cvg_logdirty_stats ls = { 0 };
    int rc;

    *refresh = false;
    *decision = CVG_CONTINUE;
    if (st->now_ms < t->next_sample_ms)
        return 0;
    rc = t->hv->ops->logdirty_op(t->hv, t->domid, CVG_LOGDIRTY_PEEK, NULL, 0, 0, &ls, err);
    if (!rc)
        rc = step(t, CVG_POINT_SAMPLE, st, ls.dirty_count,
                  pass_dirty_pages + ls.dirty_count, err);
    if (rc)
        return rc;
    t->next_sample_ms = st->now_ms + (t->out.next_sample_ms ? t->out.next_sample_ms : 200);
    *refresh = t->out.refresh;
    if (*refresh)
        t->refresh_asked_ns = cvg_now_ns();
    *decision = t->out.decision == CVG_ABORT ? CVG_ABORT : CVG_CONTINUE;
    return 0;
}

int cvg_throttle_refreshed(struct cvg_throttle *t, const struct cvg_mig_stats *st,
                           uint64_t clean_count, uint64_t pass_dirty_pages,
                           struct cvg_err *err)
{
    if (t->refresh_asked_ns) {
        uint64_t us = (cvg_now_ns() - t->refresh_asked_ns) / 1000;

        t->clean_us = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
        t->refresh_asked_ns = 0;
    }
    return step(t, CVG_POINT_REFRESH, st, clean_count, pass_dirty_pages, err);
}

int cvg_throttle_pass_end(struct cvg_throttle *t, const struct cvg_mig_stats *st,
                          uint64_t clean_count, struct cvg_stop_verdict *v,
                          struct cvg_err *err)
{
    int rc = step(t, CVG_POINT_PASS_END, st, clean_count, st->dirty_pages, err);

    if (rc)
        return rc;
    *v = t->out.verdict;
    v->decision = t->out.decision;
    t->next_sample_ms = st->now_ms + (t->out.next_sample_ms ? t->out.next_sample_ms : 200);
    return 0;
}

int cvg_throttle_release(struct cvg_throttle *t, struct cvg_err *err)
{
    int rc = 0, r;

    if (!t)
        return 0;
    /* Each setting on its own: one that fails must not keep the others;
     * the first failure is the one reported. */
    for (uint32_t v = 0; v < t->n; v++) {
        if (t->budget_changed[v]) {
            r = t->hv->ops->vcpu_budget_set(t->hv, t->domid, v, t->orig_period[v],
                                            t->orig_budget[v], err);
            t->budget_changed[v] = r != 0;
            rc = rc ? rc : r;
        }
        if (t->aff_changed[v]) {
            r = t->hv->ops->vcpu_affinity_set(t->hv, t->domid, v, &t->orig_aff[v], 1, err);
            t->aff_changed[v] = r != 0;
            rc = rc ? rc : r;
        }
    }
    if (t->cap_changed) {
        r = t->hv->ops->cap_set(t->hv, t->domid, t->orig_cap, err);
        t->cap_changed = r != 0;
        rc = rc ? rc : r;
    }
    t->cur_pct = 0;
    return rc;
}

void cvg_throttle_free(struct cvg_throttle *t)
{
    if (!t)
        return;
    if (t->trace_fd >= 0)
        close(t->trace_fd);
    free(t->pol);
    free(t);
}

uint32_t cvg_throttle_max_pct(const struct cvg_throttle *t)
{
    return t ? t->max_pct : 0;
}

uint32_t cvg_throttle_current_pct(const struct cvg_throttle *t)
{
    return t ? t->cur_pct : 0;
}

const char *cvg_throttle_lever(const struct cvg_throttle *t)
{
    return t ? cvg_lever_name(t->lever) : "none";
}

uint64_t cvg_throttle_eta_ms(const struct cvg_throttle *t)
{
    return t ? t->out.eta_ms : UINT64_MAX;
}
