/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/bandwidth.h"
#include "sim/pattern.h"
#include "sim/sched.h"
#include "vtime/memory.h"
#include "vtime/model.h"
#include "wire/xc_stream.h"

#define N CVG_VT_MAX_VCPUS
#define STEP_S 0.010                    /* credit2's cap period */
#define PAGE_BYTES (4096.0 + 8.0 + 16.0 / 1024.0)   /* page, pfn, batch header */
#define BATCH_PAGES ((double)XCS_MAX_BATCH)         /* the engine samples between batches */
#define WALK_S_PER_GIB 50e-6            /* CLEAN: bitmap walk, guest paused */
#define PEEK_PAUSE_S 20e-6              /* stats-only PEEK */
#define BW_WINDOW_MS 2000               /* as the engine's send-rate window */
#define HOST_PCPUS 64                   /* affinity lever's host */
#define EPS 1e-9

struct vt {
    const struct cvg_scenario *sc;
    const struct cvg_vt_opts *o;
    struct cvg_vt_result *r;
    struct cvg_vt_memory mem;
    struct cvg_vt_tracker pass_tr, peek_tr;
    struct cvg_policy_state *pol;
    struct cvg_policy_output out;
    struct cvg_act_out act;
    uint32_t n;
    bool dl_ring;

    double t, pause_until, next_sample, next_timeline, next_phase;
    double hold_until;                  /* switchover held: no pass end before */
    uint32_t phase_idx;
    bool paused, done;

    double bw_bps, walk_s, hvm_bytes;
    uint32_t pass;
    double pass_left;                   /* bytes */
    uint64_t pass_pages, last_clean_pages;
    double bytes_sent, pages_sent;
    double pass_start;
    struct cvg_bw_window bw;

    uint32_t beh[N];
    double share[N], cpu_s[N], work[N], full[N];
    double ring[N], ring_seen[N], ring_obs[N];
    double peek_obs, peek_seen;
    uint64_t rng;

    uint64_t cpu_ns[N], ring_u64[N];
    double eta_t[4096], eta_end[4096];
    uint32_t neta;
};

/* ---- randomness (counting noise only; seeded) ------------------------ */

static double uniform01(struct vt *m)
{
    m->rng = cvg_sim_mix64(m->rng);
    return ((double)(m->rng >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static double gauss(struct vt *m)
{
    double u = uniform01(m), v = uniform01(m);

    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* A count observed by the hypervisor: the expectation plus Poisson-like noise. */
static double observe(struct vt *m, double inc)
{
    if (inc <= 0)
        return 0;
    inc += sqrt(inc) * gauss(m);
    return inc > 0 ? inc : 0;
}

/* ---- scheduler ------------------------------------------------------- */

static bool runnable(const struct vt *m, uint32_t v)
{
    return m->mem.beh[m->beh[v]].pattern != CVG_PATTERN_IDLE;
}

static double limit_of(const struct vt *m, uint32_t v)
{
    const struct cvg_vt_behaviour *b = &m->mem.beh[m->beh[v]];

    if (m->o->fixed_share > 0)
        return b->writes ? m->o->fixed_share : 1;
    if (m->dl_ring) {
        if (!m->out.per_vcpu)
            return 1;
        /* QEMU: sleep after every full ring; a non-writer never fills one. */
        return cvg_dl_duty(m->out.sleep_us_per_full[v], b->ring_pps,
                           m->o->params.dl.ring_pages);
    }
    if (m->act.budgets)
        return (double)m->act.budget_us[v] / 10000.0;
    return 1;
}

static void reschedule(struct vt *m)
{
    double lim[N], cap = m->act.cap ? m->act.cap / 100.0 : INFINITY, want = 0;
    uint32_t n = m->n;

    if (m->o->fixed_share > 0)
        cap = INFINITY;
    for (uint32_t v = 0; v < n; v++) {
        lim[v] = runnable(m, v) ? limit_of(m, v) : 0;
        want += lim[v];
    }
    if (m->paused) {
        for (uint32_t v = 0; v < n; v++)
            m->share[v] = 0;
        return;
    }
    if (m->act.affinity && m->o->fixed_share <= 0) {
        struct cvg_sim_sched_dom dom = { m->act.cap };
        struct cvg_sim_sched_vcpu sv[N];

        for (uint32_t v = 0; v < n; v++) {
            sv[v].dom = 0;
            sv[v].runnable = lim[v] > 0;
            sv[v].limit = lim[v];
            sv[v].affinity = m->act.cpumap[v] ? m->act.cpumap[v] : ~0ull;
        }
        cvg_sim_sched_shares(HOST_PCPUS, &dom, 1, sv, n, m->share);
        return;
    }
    if (want <= cap) {
        memcpy(m->share, lim, n * sizeof(double));
        return;
    }
    /* credit2: one cap, max-min fair among the runnable vCPUs. */
    {
        double lo = 0, hi = 1;

        for (int i = 0; i < 60; i++) {
            double lvl = (lo + hi) / 2, got = 0;

            for (uint32_t v = 0; v < n; v++)
                got += lim[v] < lvl ? lim[v] : lvl;
            if (got > cap)
                hi = lvl;
            else
                lo = lvl;
        }
        for (uint32_t v = 0; v < n; v++)
            m->share[v] = lim[v] < lo ? lim[v] : lo;
    }
}

/* ---- the policy's view ---------------------------------------------- */

static void actuate(struct vt *m)
{
    struct cvg_act_in in = {
        .nr_vcpus = m->n,
        .share = m->out.per_vcpu && !m->dl_ring ? m->out.share : NULL,
        .throttle_pct = m->out.throttle_pct,
        .u0_dom_pct = m->out.u0_dom_pct,
        .u0 = m->out.u0,
        .nr_pcpus = HOST_PCPUS,
        .period_us = 10000,
    };

    cvg_actuate(m->o->lever, &in, &m->act);
    reschedule(m);
}

static void fill_input(struct vt *m, struct cvg_policy_input *in, enum cvg_point pt,
                       uint64_t peek, double pass_dirty)
{
    double dom = 0;

    memset(in, 0, sizeof(*in));
    in->point = pt;
    in->st.now_ms = (uint64_t)llround(m->t * 1000);
    in->st.pass = m->pass;
    in->st.memory_bytes = (uint64_t)(m->mem.pages * 4096);
    in->st.bytes_sent = (uint64_t)m->bytes_sent;
    in->st.pages_sent = (uint64_t)m->pages_sent;
    in->st.pass_pages_total = m->pass_pages;
    in->st.pass_pages_sent = m->pass_pages - (uint64_t)llround(m->pass_left / PAGE_BYTES);
    in->st.dirty_pages = m->last_clean_pages;
    in->st.bandwidth_bps = cvg_bw_rate(&m->bw);
    if (m->sc->apply_rate_mib_s > 0)
        in->st.apply_rate_bps = (uint64_t)(m->sc->apply_rate_mib_s * 1048576.0);
    in->st.throttle_pct = m->out.throttle_pct;
    in->peek_pages = peek;
    in->pass_dirty_pages = (uint64_t)llround(pass_dirty);
    for (uint32_t v = 0; v < m->n; v++) {
        m->cpu_ns[v] = (uint64_t)llround(m->cpu_s[v] * 1e9);
        dom += m->cpu_s[v];
        m->ring_u64[v] = (uint64_t)llround(m->ring_obs[v]);
    }
    in->dom_cpu_ns = (uint64_t)llround(dom * 1e9);
    in->vcpu_cpu_ns = m->cpu_ns;
    in->vcpu_dirty_pages = m->dl_ring ? m->ring_u64 : NULL;
    in->overhead_ms = (uint32_t)ceil((m->walk_s + m->hvm_bytes / m->bw_bps) * 1000);
    in->clean_us = (uint32_t)ceil(m->walk_s * 1e6);
}

static void log_eta(struct vt *m)
{
    if (m->out.eta_ms == UINT64_MAX || m->neta >= sizeof(m->eta_t) / sizeof(m->eta_t[0]))
        return;
    m->eta_t[m->neta] = m->t;
    m->eta_end[m->neta++] = m->t + m->out.eta_ms / 1000.0;
}

static void step_policy(struct vt *m, enum cvg_point pt, uint64_t peek, double pass_dirty)
{
    struct cvg_policy_input in;

    fill_input(m, &in, pt, peek, pass_dirty);
    cvg_policy_step(m->pol, &in, &m->out);
    if (m->o->trace)
        m->o->trace(m->o->trace_opaque, m->pol, &in, &m->out);
    log_eta(m);
    actuate(m);
}

static void pause_for(struct vt *m, double s)
{
    double until = m->t + s;

    if (!m->paused || until > m->pause_until)
        m->pause_until = until;
    if (!m->paused) {
        m->paused = true;
        reschedule(m);
    }
}

/* Reads the hypervisor's counter: what was dirtied since the last read. */
static uint64_t read_counter(struct vt *m)
{
    double now = cvg_vt_tracker_count(&m->peek_tr, &m->mem);

    m->peek_obs += observe(m, now - m->peek_seen);
    m->peek_seen = now;
    for (uint32_t v = 0; m->dl_ring && v < m->n; v++) {
        m->ring_obs[v] += observe(m, m->ring[v] - m->ring_seen[v]);
        m->ring_seen[v] = m->ring[v];
    }
    return (uint64_t)llround(m->peek_obs);
}

static void counter_reset(struct vt *m)
{
    cvg_vt_tracker_reset(&m->peek_tr, &m->mem);
    m->peek_obs = 0;
    m->peek_seen = 0;
}

/* ---- events ----------------------------------------------------------- */

static void finish(struct vt *m, double pages)
{
    struct cvg_vt_result *r = m->r;
    double bytes = pages * PAGE_BYTES + m->hvm_bytes;
    double down = m->walk_s + bytes / m->bw_bps;

    /* Stock Xen does not wait for the destination: its setup is downtime. */
    if (m->o->policy == CVG_POLICY_KIND_XEN_DEFAULT && m->sc->receiver_setup_ms &&
        m->t < m->sc->receiver_setup_ms / 1000.0)
        down += m->sc->receiver_setup_ms / 1000.0 - m->t;
    m->bytes_sent += bytes;
    r->completed = true;
    r->converged = !m->out.verdict.forced;
    r->downtime_ms = (uint64_t)llround(down * 1000);
    r->expected_downtime_ms = m->out.verdict.expected_downtime_ms;
    r->total_time_ms = (uint64_t)llround((m->t + m->walk_s + down) * 1000);
    r->live_passes = m->pass + 1;
    r->iterations = m->pass + 2;
    snprintf(r->reason, sizeof(r->reason), "%s", m->out.verdict.reason ?
             m->out.verdict.reason : "stop-and-copy");
    m->done = true;
}

static void abort_here(struct vt *m, const char *why)
{
    struct cvg_vt_result *r = m->r;

    r->aborted = true;
    r->total_time_ms = (uint64_t)llround(m->t * 1000);
    r->live_passes = m->pass + 1;
    r->iterations = m->pass + 1;
    snprintf(r->reason, sizeof(r->reason), "%s", why);
    m->done = true;
}

static void pass_end(struct vt *m)
{
    double s = cvg_vt_tracker_count(&m->pass_tr, &m->mem);
    uint64_t peek = read_counter(m), pages = (uint64_t)llround(s);

    cvg_vt_tracker_reset(&m->pass_tr, &m->mem);
    counter_reset(m);
    m->r->syncs++;
    m->last_clean_pages = pages;
    pause_for(m, m->walk_s);
    step_policy(m, CVG_POINT_PASS_END, peek, s);
    if (m->out.decision == CVG_ABORT) {
        abort_here(m, m->out.verdict.reason ? m->out.verdict.reason : "policy aborted");
        return;
    }
    /* Our helper holds the switchover until the destination is set up. */
    if (m->out.decision == CVG_STOP_AND_COPY &&
        (m->o->policy == CVG_POLICY_KIND_XEN_DEFAULT ||
         m->t >= m->sc->receiver_setup_ms / 1000.0)) {
        finish(m, (double)pages);
        return;
    }
    if (m->out.decision == CVG_STOP_AND_COPY)
        m->hold_until = m->sc->receiver_setup_ms / 1000.0;
    /* As the engine: a pass end is a decision point, the sample clock
     * restarts from it. */
    m->next_sample = m->t + (m->out.next_sample_ms ? m->out.next_sample_ms : 200) / 1000.0;
    m->pass++;
    m->pass_pages = pages;
    m->pass_left = pages * PAGE_BYTES;
    m->pass_start = m->t;
}

static void sample(struct vt *m)
{
    uint64_t peek = read_counter(m);
    double pass_dirty = cvg_vt_tracker_count(&m->pass_tr, &m->mem);

    pause_for(m, PEEK_PAUSE_S);
    step_policy(m, CVG_POINT_SAMPLE, peek, pass_dirty);
    if (m->out.decision == CVG_ABORT) {
        abort_here(m, m->out.verdict.reason ? m->out.verdict.reason : "policy aborted");
        return;
    }
    m->next_sample = m->t + (m->out.next_sample_ms ? m->out.next_sample_ms : 200) / 1000.0;
    if (m->out.refresh) {
        peek = read_counter(m);
        counter_reset(m);
        m->r->refreshes++;
        m->r->syncs++;
        pause_for(m, m->walk_s);
        step_policy(m, CVG_POINT_REFRESH, peek, pass_dirty);
    }
}

static void apply_phases(struct vt *m)
{
    const struct cvg_scenario *sc = m->sc;

    while (m->phase_idx < sc->nr_phases && sc->phases[m->phase_idx].at_s <= m->t + EPS) {
        const struct cvg_workload *w = &sc->phases[m->phase_idx];

        for (uint32_t v = w->vcpu_first; v <= w->vcpu_last && v < m->n; v++) {
            m->beh[v] = sc->nr_workload + m->phase_idx;
            if (m->mem.beh[m->beh[v]].writes)
                m->r->vcpus[v].writer = true;
        }
        m->phase_idx++;
    }
    m->next_phase = m->phase_idx < sc->nr_phases ? sc->phases[m->phase_idx].at_s : INFINITY;
    reschedule(m);
}

static void emit_timeline(struct vt *m)
{
    struct cvg_vt_sample s;
    double kept[N];

    for (uint32_t v = 0; v < m->n; v++)
        kept[v] = m->full[v] > 0 ? m->work[v] / m->full[v] : 1;
    s.t_s = m->t;
    s.pass = m->pass;
    s.dirty_pages = cvg_vt_tracker_count(&m->pass_tr, &m->mem);
    s.remaining_bytes = m->pass_left + s.dirty_pages * PAGE_BYTES;
    s.throttle_pct = 0;
    for (uint32_t v = 0; v < m->n; v++)
        if (runnable(m, v) && !m->paused && (1 - m->share[v]) * 100 > s.throttle_pct)
            s.throttle_pct = (1 - m->share[v]) * 100;
    s.eta_s = m->out.eta_ms != UINT64_MAX ? m->t + m->out.eta_ms / 1000.0 : -1;
    s.nr_vcpus = m->n;
    s.share = m->share;
    s.work_retained = kept;
    m->o->timeline(m->o->opaque, &s);
}

/* Everything that happens in dt seconds of no events. */
static void advance(struct vt *m, double dt)
{
    double speed[CVG_SCENARIO_MAX_GROUPS + CVG_SCENARIO_MAX_PHASES] = { 0 };
    struct cvg_vt_result *r = m->r;

    for (uint32_t v = 0; v < m->n; v++) {
        double sh = m->share[v];

        if (runnable(m, v))
            m->full[v] += dt;
        if (m->paused)
            continue;
        m->cpu_s[v] += sh * dt;
        m->work[v] += sh * dt;
        speed[m->beh[v]] += sh;
        m->ring[v] += m->mem.beh[m->beh[v]].ring_pps * sh * dt;
        if (runnable(m, v)) {
            double thr = (1 - sh) * 100;

            if (sh < r->vcpus[v].min_share)
                r->vcpus[v].min_share = sh;
            if (thr > r->max_throttle_pct + 0.5)
                r->max_throttle_pct = (uint32_t)lround(thr);
            if (thr > 0.1 && r->first_throttle_ms == UINT64_MAX)
                r->first_throttle_ms = (uint64_t)llround(m->t * 1000);
        }
    }
    if (m->paused)
        return;
    for (uint32_t b = 0; b < m->mem.nr_beh; b++) {
        if (speed[b] <= 0)
            continue;
        cvg_vt_tracker_write(&m->pass_tr, &m->mem, b, speed[b] * dt);
        cvg_vt_tracker_write(&m->peek_tr, &m->mem, b, speed[b] * dt);
    }
    if (m->pass_left > 0) {
        double sent = m->bw_bps * dt;

        if (sent > m->pass_left)
            sent = m->pass_left;
        m->pass_left -= sent;
        m->bytes_sent += sent;
        m->pages_sent += sent / PAGE_BYTES;
        cvg_bw_add(&m->bw, (uint64_t)llround((m->t + dt) * 1000), (uint64_t)llround(sent));
    }
}

/*
 * Seconds until the sender finishes its current batch: the engine looks at
 * the clock, and lets the policy sample, only between batches of
 * XCS_MAX_BATCH pages (on a 50 MiB/s link one takes 80 ms, longer than a
 * probe window).  0 at a batch's edge or when nothing is being sent.
 */
static double to_batch_edge(const struct vt *m)
{
    double sent, into, left_pages;

    if (m->pass_left <= 1e-6)
        return 0;
    left_pages = m->pass_left / PAGE_BYTES;
    sent = (double)m->pass_pages - left_pages;
    into = fmod(sent, BATCH_PAGES);
    if (into < 1e-6 || BATCH_PAGES - into < 1e-6)
        return 0;
    return fmin(BATCH_PAGES - into, left_pages) * PAGE_BYTES / m->bw_bps;
}

static double next_dt(const struct vt *m)
{
    double dt = STEP_S, lim;

    if (m->paused) {
        lim = m->pause_until - m->t;
        return lim < dt ? (lim > 0 ? lim : 0) : dt;
    }
    if (m->pass_left > 0 && (lim = m->pass_left / m->bw_bps) < dt)
        dt = lim;
    if (m->pass_left <= 1e-6 && (lim = m->hold_until - m->t) < dt)
        dt = lim;
    /* A sample falls due, then waits for the batch on the wire. */
    lim = m->next_sample - m->t;
    if (lim <= EPS)
        lim = to_batch_edge(m);
    if (lim < dt)
        dt = lim;
    if ((lim = m->next_phase - m->t) < dt)
        dt = lim;
    if (m->o->timeline && (lim = m->next_timeline - m->t) < dt)
        dt = lim;
    return dt > 0 ? dt : 0;
}

/* Writers' dirty rate over a downtime limit from a clean bitmap, at full speed. */
static int link_share(struct vt *m, double *share, struct cvg_err *err)
{
    struct cvg_vt_tracker t;
    double l = m->sc->downtime_limit_ms / 1000.0, d;
    int rc = cvg_vt_tracker_init(&t, &m->mem, err);

    if (rc)
        return rc;
    for (uint32_t v = 0; v < m->n; v++)
        cvg_vt_tracker_write(&t, &m->mem, m->beh[v], l);
    d = cvg_vt_tracker_count(&t, &m->mem) / l;
    cvg_vt_tracker_free(&t);
    *share = d > 0 ? fmin(1.0, m->bw_bps / PAGE_BYTES / d) : 1.0;
    return 0;
}

static void eta_errors(struct vt *m)
{
    double total = m->r->total_time_ms / 1000.0;

    for (int k = 0; k < 3; k++) {
        double at = total * (k + 1) / 4.0;
        int best = -1;

        m->r->eta_error_s[k] = NAN;
        for (uint32_t i = 0; i < m->neta; i++)
            if (m->eta_t[i] <= at)
                best = (int)i;
        if (best >= 0 && m->r->completed)
            m->r->eta_error_s[k] = m->eta_end[best] - total;
    }
}

void cvg_vt_opts_init(struct cvg_vt_opts *o, const struct cvg_scenario *sc,
                      enum cvg_policy_kind policy)
{
    memset(o, 0, sizeof(*o));
    o->policy = policy;
    o->lever = CVG_LEVER_BUDGET;
    o->dirty_ring = true;
    cvg_policy_defaults(&o->params, policy, sc->vcpus);
    o->params.stop.downtime_limit_ms = sc->downtime_limit_ms;
    o->params.stop.max_time_ms = sc->max_time_s * 1000u;
    o->params.stop.on_limit = CVG_ON_LIMIT_ABORT;
}

int cvg_vt_run(const struct cvg_scenario *sc, const struct cvg_vt_opts *o,
               struct cvg_vt_result *r, struct cvg_err *err)
{
    struct vt *m = calloc(1, sizeof(*m));
    struct cvg_policy_input in;
    struct cvg_policy_params pp;
    double hard_stop;
    int rc = 0;

    memset(r, 0, sizeof(*r));
    if (!m)
        return cvg_fail(err, -ENOMEM, "bench: out of memory");
    if (sc->vcpus > N || sc->vcpus == 0) {
        rc = cvg_fail(err, -EINVAL, "bench: %u vCPUs (1..%u supported)", sc->vcpus, N);
        goto out;
    }
    m->sc = sc;
    m->o = o;
    m->r = r;
    m->n = sc->vcpus;
    r->nr_vcpus = m->n;
    r->first_throttle_ms = UINT64_MAX;
    r->downtime_limit_ms = sc->downtime_limit_ms;
    m->rng = cvg_sim_mix64(sc->seed ^ 0xbe9c0de5ull);
    if ((rc = cvg_vt_memory_init(&m->mem, sc, err)) ||
        (rc = cvg_vt_tracker_init(&m->pass_tr, &m->mem, err)) ||
        (rc = cvg_vt_tracker_init(&m->peek_tr, &m->mem, err)))
        goto out;
    m->pol = calloc(1, sizeof(*m->pol));
    if (!m->pol) {
        rc = cvg_fail(err, -ENOMEM, "bench: out of memory for the policy state");
        goto out;
    }
    r->memory_bytes = (uint64_t)(m->mem.pages * 4096);
    m->bw_bps = sc->bandwidth_mib_s * 1048576.0;
    if (sc->apply_rate_mib_s > 0 && sc->apply_rate_mib_s < sc->bandwidth_mib_s)
        m->bw_bps = sc->apply_rate_mib_s * 1048576.0;
    m->walk_s = WALK_S_PER_GIB * m->mem.pages / 262144.0;
    m->hvm_bytes = 16384.0 + 2048.0 * m->n;
    m->dl_ring = o->policy == CVG_POLICY_KIND_DIRTY_LIMIT && o->dirty_ring &&
                 o->fixed_share <= 0;

    for (uint32_t v = 0; v < m->n; v++)
        r->vcpus[v].min_share = 1;
    for (uint32_t i = 0; i < sc->nr_workload; i++)
        for (uint32_t v = sc->workload[i].vcpu_first; v <= sc->workload[i].vcpu_last &&
             v < m->n; v++) {
            m->beh[v] = i;
            r->vcpus[v].writer = m->mem.beh[i].writes;
        }
    if ((rc = link_share(m, &r->link_share, err)))
        goto out;

    pp = o->params;
    pp.kind = o->policy;
    pp.nr_vcpus = m->n;
    cvg_policy_init(m->pol, &pp);
    cvg_bw_init(&m->bw, BW_WINDOW_MS);
    cvg_bw_add(&m->bw, 0, 0);
    for (uint32_t v = 0; v < N; v++)
        m->out.share[v] = 1;
    m->out.eta_ms = UINT64_MAX;
    fill_input(m, &in, CVG_POINT_SAMPLE, 0, 0);
    cvg_policy_start(m->pol, &in);

    m->pass_pages = (uint64_t)m->mem.pages;
    m->pass_left = m->mem.pages * PAGE_BYTES;
    m->next_sample = pp.sample_interval_ms / 1000.0;
    m->next_timeline = 0;
    apply_phases(m);
    actuate(m);
    hard_stop = (sc->max_time_s ? sc->max_time_s * 2.0 : 86400.0) + 60;

    while (!m->done) {
        double dt = next_dt(m);

        advance(m, dt);
        m->t += dt;
        if (m->t > hard_stop) {
            abort_here(m, "model time limit");
            break;
        }
        if (m->paused && m->t >= m->pause_until - EPS) {
            m->paused = false;
            reschedule(m);
        }
        if (m->t >= m->next_phase - EPS)
            apply_phases(m);
        if (m->o->timeline && m->t >= m->next_timeline - EPS) {
            emit_timeline(m);
            m->next_timeline = m->t + (o->timeline_ms ? o->timeline_ms : 100) / 1000.0;
        }
        if (m->paused)
            continue;
        /* As the engine: the batch that ends a pass polls before its CLEAN. */
        if (m->t >= m->next_sample - EPS && to_batch_edge(m) <= 0) {
            sample(m);
            if (m->done || m->paused)
                continue;
        }
        if (m->pass_left <= 1e-6 && m->t >= m->hold_until - EPS)
            pass_end(m);
    }
    for (uint32_t v = 0; v < m->n; v++)
        r->vcpus[v].work_retained = m->full[v] > 0 ? m->work[v] / m->full[v] : 1;
    r->bytes_sent = (uint64_t)llround(m->bytes_sent);
    r->probe_rounds = m->pol->cv.probe_rounds;
    eta_errors(m);
out:
    cvg_vt_tracker_free(&m->pass_tr);
    cvg_vt_tracker_free(&m->peek_tr);
    cvg_vt_memory_free(&m->mem);
    free(m->pol);
    free(m);
    return rc;
}

int cvg_vt_oracle_share(const struct cvg_scenario *sc, const struct cvg_vt_opts *base,
                        uint64_t deadline_ms, double *share, struct cvg_err *err)
{
    struct cvg_vt_opts o = *base;
    struct cvg_vt_result *r = malloc(sizeof(*r));
    double lo = 0.01, hi = 1;
    int rc = 0;

    if (!r)
        return cvg_fail(err, -ENOMEM, "bench: out of memory");
    o.policy = CVG_POLICY_KIND_CONVERGE;    /* its stop rule, margin included */
    o.timeline = NULL;
    o.trace = NULL;
#define OK(res) ((res)->completed && (res)->converged && \
                 (res)->downtime_ms <= (res)->downtime_limit_ms && \
                 (res)->total_time_ms <= deadline_ms)
    o.fixed_share = 1;
    if ((rc = cvg_vt_run(sc, &o, r, err)))
        goto out;
    if (OK(r)) {
        *share = 1;
        goto out;
    }
    o.fixed_share = lo;
    if ((rc = cvg_vt_run(sc, &o, r, err)))
        goto out;
    if (!OK(r)) {
        *share = 0;
        goto out;
    }
    for (int i = 0; i < 12; i++) {
        o.fixed_share = (lo + hi) / 2;
        if ((rc = cvg_vt_run(sc, &o, r, err)))
            goto out;
        if (OK(r))
            lo = o.fixed_share;
        else
            hi = o.fixed_share;
    }
    *share = lo;
#undef OK
out:
    free(r);
    return rc;
}
