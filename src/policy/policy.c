/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "policy/policy.h"
#include "policy/refresh.h"

#define N CVG_POLICY_MAX_VCPUS
#define PAGE ((double)CVG_MIG_PAGE_SIZE)

static const char *const kind_names[CVG_POLICY_KIND__COUNT] = {
    [CVG_POLICY_KIND_CONVERGE] = "converge",
    [CVG_POLICY_KIND_XEN_DEFAULT] = "xen-default",
    [CVG_POLICY_KIND_AUTO_CONVERGE] = "auto-converge",
    [CVG_POLICY_KIND_DIRTY_LIMIT] = "dirty-limit",
};

const char *cvg_policy_kind_name(enum cvg_policy_kind k)
{
    return (unsigned)k < CVG_POLICY_KIND__COUNT ? kind_names[k] : "unknown";
}

void cvg_policy_defaults(struct cvg_policy_params *p, enum cvg_policy_kind kind,
                         uint32_t nr_vcpus)
{
    memset(p, 0, sizeof(*p));
    p->kind = kind;
    p->nr_vcpus = nr_vcpus > N ? N : nr_vcpus;
    p->stop.downtime_limit_ms = 300;
    p->stop.on_limit = CVG_ON_LIMIT_ABORT;
    p->sample_interval_ms = 200;
    p->refresh_interval_ms = 5000;
    cvg_ac_defaults(&p->ac);
    cvg_dl_defaults(&p->dl);
    cvg_cv_defaults(&p->cv);
    cvg_est_defaults(&p->est);
}

void cvg_policy_init(struct cvg_policy_state *pol, const struct cvg_policy_params *p)
{
    memset(pol, 0, sizeof(*pol));
    pol->p = *p;
    if (pol->p.nr_vcpus > N)
        pol->p.nr_vcpus = N;
    if (!pol->p.sample_interval_ms)
        pol->p.sample_interval_ms = 200;
    pol->ops = cvg_policy_ops_for(p->kind);
    cvg_ac_init(&pol->ac, 0, 0);
    cvg_dl_init(&pol->dl, &p->dl, pol->p.nr_vcpus);
    cvg_cv_init(&pol->cv, &p->cv, &p->est, pol->p.nr_vcpus);
    for (uint32_t v = 0; v < N; v++)
        pol->dl_share[v] = 1;
}

static void baseline(struct cvg_policy_state *pol, const struct cvg_policy_input *in)
{
    pol->started = true;
    pol->last_ms = in->st.now_ms;
    pol->last_sync_ms = in->st.now_ms;
    pol->last_peek = in->peek_pages;
    pol->last_dom_cpu = in->dom_cpu_ns;
    for (uint32_t v = 0; v < pol->p.nr_vcpus; v++)
        pol->last_cpu[v] = in->vcpu_cpu_ns ? in->vcpu_cpu_ns[v] : 0;
    cvg_ac_init(&pol->ac, in->st.now_ms, in->st.bytes_sent);
}

void cvg_policy_start(struct cvg_policy_state *pol, const struct cvg_policy_input *in)
{
    baseline(pol, in);
}

/* The window since the last decision point: pages, run times, CPU use. */
static void measure(struct cvg_policy_state *pol, const struct cvg_policy_input *in)
{
    uint64_t dt_ms = in->st.now_ms - pol->last_ms;
    uint64_t dcpu = in->dom_cpu_ns - pol->last_dom_cpu;

    pol->window_s = dt_ms / 1000.0;
    pol->window_pages = in->peek_pages >= pol->last_peek ?
                        (double)(in->peek_pages - pol->last_peek) : (double)in->peek_pages;
    for (uint32_t v = 0; v < pol->p.nr_vcpus; v++) {
        uint64_t now = in->vcpu_cpu_ns ? in->vcpu_cpu_ns[v] : 0;

        pol->run_s[v] = now >= pol->last_cpu[v] ? (now - pol->last_cpu[v]) / 1e9 : 0;
        pol->last_cpu[v] = now;
    }
    /* Domain CPU use before any throttle: U0 for the cap. */
    if (dt_ms && !pol->ac.pct) {
        double use = dcpu / 1e6 / (double)dt_ms * 100.0;

        pol->dom_use_pct = pol->dom_use_set ? 0.5 * pol->dom_use_pct + 0.5 * use : use;
        pol->dom_use_set = true;
    }
    pol->last_dom_cpu = in->dom_cpu_ns;
    pol->last_ms = in->st.now_ms;
    if (in->point == CVG_POINT_SAMPLE) {
        pol->last_peek = in->peek_pages;
    } else {
        pol->last_peek = 0;                 /* the CLEAN restarted the counter */
        pol->last_sync_ms = in->st.now_ms;
    }
}

static void out_init(const struct cvg_policy_state *pol, struct cvg_policy_output *out)
{
    memset(out, 0, sizeof(*out));
    out->decision = CVG_CONTINUE;
    out->verdict.decision = CVG_CONTINUE;
    out->verdict.expected_downtime_ms = UINT64_MAX;
    out->verdict.reason = "mid-pass";
    out->next_sample_ms = pol->p.sample_interval_ms;
    out->eta_ms = UINT64_MAX;
    out->predicted_downtime_ms = UINT64_MAX;
    for (uint32_t v = 0; v < N; v++) {
        out->share[v] = 1;
        out->u0[v] = 1;
    }
}

/* Mid-pass: only the time limit can end a migration between passes. */
static bool mid_pass_abort(const struct cvg_policy_state *pol, const struct cvg_policy_input *in,
                           struct cvg_policy_output *out)
{
    const struct cvg_stop_params *s = &pol->p.stop;

    if (in->point == CVG_POINT_PASS_END || !s->max_time_ms ||
        in->st.now_ms < s->max_time_ms || s->on_limit != CVG_ON_LIMIT_ABORT)
        return false;
    out->decision = CVG_ABORT;
    out->verdict.decision = CVG_ABORT;
    out->verdict.reason = "max_time reached";
    out->verdict.forced = true;
    return true;
}

static void pass_end_rule(const struct cvg_stop_params *sp, const struct cvg_policy_input *in,
                          struct cvg_policy_output *out)
{
    out->verdict = cvg_stop_rule(sp, &in->st);
    out->decision = out->verdict.decision;
}

/* ---- xen-default ---------------------------------------------------- */

static void step_xen_default(struct cvg_policy_state *pol, const struct cvg_policy_input *in,
                             struct cvg_policy_output *out)
{
    (void)pol;
    if (in->point != CVG_POINT_PASS_END)
        return;
    out->verdict = cvg_stop_rule_xen_default(&in->st);
    out->decision = out->verdict.decision;
}

/* ---- auto-converge -------------------------------------------------- */

static void sync_trigger(struct cvg_policy_state *pol, const struct cvg_policy_input *in,
                         bool *stepped)
{
    uint32_t before = pol->ac.pct;

    *stepped = false;
    if (in->point == CVG_POINT_SAMPLE)
        return;
    if (cvg_ac_on_sync(&pol->p.ac, &pol->ac, in->st.now_ms, in->peek_pages,
                       in->st.bytes_sent))
        *stepped = true;
    if (!before && pol->ac.pct)
        pol->u0_dom_pct = (uint32_t)lround(pol->dom_use_pct);
}

static void step_auto_converge(struct cvg_policy_state *pol, const struct cvg_policy_input *in,
                               struct cvg_policy_output *out)
{
    struct cvg_refresh_params rp = { pol->p.refresh_interval_ms, false };
    bool stepped;

    sync_trigger(pol, in, &stepped);
    out->throttle_pct = pol->ac.pct;
    out->u0_dom_pct = pol->u0_dom_pct;
    if (in->point == CVG_POINT_PASS_END) {
        pass_end_rule(&pol->p.stop, in, out);
        return;
    }
    if (mid_pass_abort(pol, in, out))
        return;
    out->refresh = pol->p.periodic_sync &&
                   cvg_refresh_due(&rp, in->st.now_ms, pol->last_sync_ms, in->st.pass);
}

/* ---- dirty-limit ---------------------------------------------------- */

static void dl_period(struct cvg_policy_state *pol, const struct cvg_policy_input *in)
{
    uint64_t rates[N] = { 0 }, dt = in->st.now_ms - pol->dl_period_ms;
    uint32_t n = pol->p.nr_vcpus;

    if (dt < pol->p.dl.period_ms)
        return;
    for (uint32_t v = 0; v < n; v++) {
        double pages, running;

        if (in->vcpu_dirty_pages) {
            pages = (double)(in->vcpu_dirty_pages[v] - pol->dl_pages[v]);
            pol->dl_pages[v] = in->vcpu_dirty_pages[v];
        } else {
            pages = pol->cv.est.rate[v] * dt / 1000.0;
        }
        rates[v] = cvg_dl_rate_mib_s((uint64_t)pages, dt);
        /* Pages per second while running, to turn a sleep into a share. */
        running = pol->dl_share[v] > 0.01 ? pol->dl_share[v] : 0.01;
        pol->dl_run_pps[v] = pages / (dt / 1000.0) / running;
    }
    cvg_dl_process(&pol->dl, rates);
    for (uint32_t v = 0; v < n; v++)
        pol->dl_share[v] = cvg_dl_duty(pol->dl.v[v].throttle_us_per_full,
                                       pol->dl_run_pps[v], pol->p.dl.ring_pages);
    pol->dl_period_ms = in->st.now_ms;
}

static void step_dirty_limit(struct cvg_policy_state *pol, const struct cvg_policy_input *in,
                             struct cvg_policy_output *out)
{
    bool stepped;
    uint32_t n = pol->p.nr_vcpus;

    if (!in->vcpu_dirty_pages) {
        cvg_est_add(&pol->cv.est, pol->window_s, pol->window_pages, pol->run_s);
        cvg_est_solve(&pol->cv.est);
    }
    sync_trigger(pol, in, &stepped);
    if (stepped && !pol->dl_on) {
        /* migration_dirty_limit_guest(): every vCPU gets the quota. */
        pol->dl_on = true;
        cvg_dl_set_all(&pol->dl, pol->p.dl.quota_mib_s);
        pol->dl_period_ms = in->st.now_ms;
        for (uint32_t v = 0; v < n && in->vcpu_dirty_pages; v++)
            pol->dl_pages[v] = in->vcpu_dirty_pages[v];
    }
    if (pol->dl_on)
        dl_period(pol, in);
    out->per_vcpu = pol->dl_on;
    for (uint32_t v = 0; v < n; v++) {
        out->sleep_us_per_full[v] = pol->dl.v[v].throttle_us_per_full;
        out->quota_mib_s[v] = (uint32_t)pol->dl.v[v].quota;
        out->share[v] = pol->dl_share[v];
    }
    if (in->point == CVG_POINT_PASS_END) {
        pass_end_rule(&pol->p.stop, in, out);
        return;
    }
    mid_pass_abort(pol, in, out);
}

/* ---- converge ------------------------------------------------------- */

static void step_converge(struct cvg_policy_state *pol, const struct cvg_policy_input *in,
                          struct cvg_policy_output *out)
{
    struct cvg_cv_state *cv = &pol->cv;
    struct cvg_cv_window w = { pol->window_s, pol->window_pages, pol->run_s };
    struct cvg_refresh_params rp = { pol->p.refresh_interval_ms, true };
    struct cvg_stop_params sp = pol->p.stop;
    struct cvg_cv_view v;
    uint64_t rate;
    uint32_t n = pol->p.nr_vcpus;

    /* The fixed part of a switchover is not in dirty / bandwidth. */
    sp.downtime_limit_ms = sp.downtime_limit_ms > in->overhead_ms ?
                           sp.downtime_limit_ms - in->overhead_ms : 1;
    cvg_cv_observe(cv, &w);
    if (in->point == CVG_POINT_PASS_END) {
        cvg_cv_pass_end(cv, (double)in->st.dirty_pages);
        pass_end_rule(&sp, in, out);
        if (out->decision != CVG_CONTINUE)
            return;
    } else {
        cvg_cv_sample(cv, (double)in->pass_dirty_pages);
        if (mid_pass_abort(pol, in, out))
            return;
    }

    rate = cvg_effective_rate(&pol->p.stop, &in->st);
    v.now_s = in->st.now_ms / 1000.0;
    v.bw_pps = rate / PAGE;
    v.limit_s = sp.downtime_limit_ms / 1000.0;
    v.memory_pages = in->st.memory_bytes / PAGE;
    if (in->point == CVG_POINT_PASS_END)
        v.remaining_pages = (double)in->st.dirty_pages;
    else
        v.remaining_pages = in->st.pass_pages_total > in->st.pass_pages_sent ?
            (double)(in->st.pass_pages_total - in->st.pass_pages_sent) : 0;
    v.tau = cv->tau;
    /* The target is set once, from the first rate measured: a deadline
     * that moved with every dip of the send rate would steer nothing. */
    if (!cv->deadline_s && v.bw_pps > 0)
        cv->deadline_s = pol->p.cv.target_factor * v.memory_pages / v.bw_pps;
    v.deadline_s = cv->deadline_s;
    v.walk_s = in->clean_us / 1e6;
    v.horizon_s = pol->p.stop.max_time_ms ? pol->p.stop.max_time_ms / 1000.0 :
                  20 * v.deadline_s;

    out->next_sample_ms = cvg_cv_plan(cv, &v, pol->p.sample_interval_ms, out->share);
    out->per_vcpu = true;
    out->probing = cv->probe.phase != CVG_PROBE_IDLE;
    for (uint32_t i = 0; i < n; i++)
        out->u0[i] = cv->u0_set[i] ? cv->u0[i] : 1;
    if (cv->planned && cv->pred.converges) {
        double eta = cv->pred.end_s - v.now_s;

        out->eta_ms = eta > 0 ? (uint64_t)llround(eta * 1000) : 0;
        out->predicted_downtime_ms = (uint64_t)llround(cv->pred.downtime_s * 1000) +
                                     in->overhead_ms;
    }
    /* Probe windows start from a fresh counter, like with like. */
    out->refresh = in->point == CVG_POINT_SAMPLE &&
                   (out->probing ||
                    cvg_refresh_due(&rp, in->st.now_ms, pol->last_sync_ms, in->st.pass));
}

static const struct cvg_policy_ops ops[CVG_POLICY_KIND__COUNT] = {
    [CVG_POLICY_KIND_CONVERGE] = { "converge", step_converge },
    [CVG_POLICY_KIND_XEN_DEFAULT] = { "xen-default", step_xen_default },
    [CVG_POLICY_KIND_AUTO_CONVERGE] = { "auto-converge", step_auto_converge },
    [CVG_POLICY_KIND_DIRTY_LIMIT] = { "dirty-limit", step_dirty_limit },
};

const struct cvg_policy_ops *cvg_policy_ops_for(enum cvg_policy_kind k)
{
    return (unsigned)k < CVG_POLICY_KIND__COUNT ? &ops[k] : &ops[CVG_POLICY_KIND_XEN_DEFAULT];
}

void cvg_policy_step(struct cvg_policy_state *pol, const struct cvg_policy_input *in,
                     struct cvg_policy_output *out)
{
    uint64_t last_sync;

    out_init(pol, out);
    if (!pol->started)
        baseline(pol, in);
    last_sync = pol->last_sync_ms;
    measure(pol, in);
    /* Steps judge refresh deadlines from the sync before this point. */
    if (in->point == CVG_POINT_SAMPLE)
        pol->last_sync_ms = last_sync;
    pol->ops->step(pol, in, out);
}
