/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `converge`: its pieces (growth curve, prediction, choice, water-filling),
 * the refresh decision and the actuator, then the whole policy driving the
 * virtual-time model: writers throttled, readers not; no throttle when the
 * link suffices.  Probe windows are sized by a CLEAN's cost, not by the
 * switchover's; the model samples where the engine can (between batches);
 * the step trace has one column per header field.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/scenario.h"
#include "policy/actuator.h"
#include "policy/converge.h"
#include "policy/policy.h"
#include "policy/refresh.h"
#include "policy/trace.h"
#include "vtime/model.h"

#define NPAGES (1024.0 * 256)       /* a 1 GiB guest */

/* Uniform writes at d pages/s over n pages: the saturating law. */
static double uniform(double n, double d, double tau)
{
    return n * (1 - exp(-d * tau / n));
}

START_TEST(test_waterfill_spares_light_writers)
{
    double rate[4] = { 100, 50, 10, 200 }, share[4];
    bool thr[4] = { true, true, true, false };

    /* 160 allowed of 160: nothing to do. */
    cvg_cv_waterfill(rate, thr, 4, 160, 0.01, share);
    for (int v = 0; v < 4; v++)
        ck_assert(share[v] == 1);
    /* 80 allowed: quota 35 -> 35 + 35 + 10; the light writer untouched, the
     * vCPU that may not be throttled too. */
    cvg_cv_waterfill(rate, thr, 4, 80, 0.01, share);
    ck_assert_double_eq_tol(share[0], 0.35, 1e-6);
    ck_assert_double_eq_tol(share[1], 0.70, 1e-6);
    ck_assert(share[2] == 1 && share[3] == 1);
    /* Asked for less than the floor allows: everyone at the floor. */
    cvg_cv_waterfill(rate, thr, 4, 0.5, 0.01, share);
    ck_assert(share[0] == 0.01 && share[1] == 0.01 && share[2] == 0.01);
}
END_TEST

START_TEST(test_growth_curve_measured_then_extrapolated)
{
    struct cvg_curve cur, prev;
    double d = 50000;

    cvg_curve_reset(&cur);
    cvg_curve_reset(&prev);
    for (double t = 0.2; t <= 2.0 + 1e-9; t += 0.2)
        cvg_curve_add(&cur, t, uniform(NPAGES, d, t));
    /* Inside: interpolation of a nearly linear stretch. */
    ck_assert_double_eq_tol(cvg_cv_growth(&cur, &prev, d, NPAGES, 1.1),
                            uniform(NPAGES, d, 1.1), 0.002 * NPAGES);
    /* Beyond: the last slope, saturating onto the clean pages. */
    for (double t = 4; t < 40; t *= 2)
        ck_assert_double_eq_tol(cvg_cv_growth(&cur, &prev, d, NPAGES, t),
                                uniform(NPAGES, d, t), 0.03 * NPAGES);
    ck_assert_double_le(cvg_cv_growth(&cur, &prev, d, NPAGES, 1e6), NPAGES);
    /* A previous pass's curve gives the shape past the current one. */
    for (double t = 1; t <= 20; t += 1)
        cvg_curve_add(&prev, t, uniform(NPAGES, d, t));
    ck_assert_double_eq_tol(cvg_cv_growth(&cur, &prev, d, NPAGES, 10),
                            uniform(NPAGES, d, 10), 0.005 * NPAGES);
    /* Thinning keeps the shape when a long pass brings many samples. */
    cvg_curve_reset(&cur);
    for (int i = 1; i <= 1000; i++)
        cvg_curve_add(&cur, i * 0.05, uniform(NPAGES, d, i * 0.05));
    ck_assert_uint_le(cur.n, CVG_CURVE_MAX);
    ck_assert_double_eq_tol(cvg_cv_growth(&cur, &prev, d, NPAGES, 25),
                            uniform(NPAGES, d, 25), 0.01 * NPAGES);
}
END_TEST

static struct cvg_cv_view view(double bw_pps)
{
    struct cvg_cv_view v = {
        .now_s = 0, .bw_pps = bw_pps, .limit_s = 0.3, .memory_pages = NPAGES,
        .remaining_pages = NPAGES, .tau = 0, .deadline_s = 1.5 * NPAGES / bw_pps,
        .horizon_s = 600, .walk_s = 0,
    };
    return v;
}

START_TEST(test_choice_throttles_only_when_the_link_does_not_suffice)
{
    struct cvg_curve cur, prev;
    struct cvg_cv_prediction p;
    struct cvg_cv_view v;
    double a;

    cvg_curve_reset(&cur);
    cvg_curve_reset(&prev);
    /* 40 MiB/s of writes over a 1000 MiB/s link: no throttle, a quick end. */
    for (double t = 0.2; t <= 1.0 + 1e-9; t += 0.2)
        cvg_curve_add(&prev, t, uniform(NPAGES, 40 * 256, t));
    v = view(1000 * 256);
    a = cvg_cv_choose(&v, &cur, &prev, 40 * 256, 0.01, &p);
    ck_assert(a == 1 && p.share_later == 1);
    ck_assert(p.converges);
    ck_assert_double_le(p.end_s, 1.1);
    ck_assert_double_le(p.downtime_s, 0.3);

    /* 1500 MiB/s over a 500 MiB/s link: never without a throttle ... */
    cvg_curve_reset(&prev);
    for (double t = 0.2; t <= 1.0 + 1e-9; t += 0.2)
        cvg_curve_add(&prev, t, uniform(NPAGES, 1500 * 256, t));
    v = view(500 * 256);
    p = cvg_cv_predict(&v, &cur, &prev, 1500 * 256, 1, 1);
    ck_assert(!p.converges);
    /* ... with one, by the deadline, and the downtime fits. */
    a = cvg_cv_choose(&v, &cur, &prev, 1500 * 256, 0.01, &p);
    ck_assert(a < 1 || p.share_later < 1);
    ck_assert(p.converges);
    ck_assert_double_le(p.end_s, v.deadline_s);
    ck_assert_double_le(p.downtime_s, 0.3);
    /* The least visible plan loses less than throttling hard throughout. */
    ck_assert_double_lt(p.lost_s, cvg_cv_predict(&v, &cur, &prev, 1500 * 256,
                                                 0.01, 0.01).lost_s);
}
END_TEST

START_TEST(test_refresh_decision)
{
    struct cvg_refresh_params ours = { 5000, true }, qemu = { 5000, false }, off = { 0, true };

    ck_assert(!cvg_refresh_due(&ours, 4999, 0, 0));
    ck_assert(cvg_refresh_due(&ours, 5000, 0, 0));
    ck_assert(!cvg_refresh_due(&qemu, 9000, 0, 0));     /* QEMU skips pass 0 */
    ck_assert(cvg_refresh_due(&qemu, 9000, 0, 1));
    ck_assert(!cvg_refresh_due(&qemu, 9000, 5000, 1));  /* a sync 4 s ago */
    ck_assert(!cvg_refresh_due(&off, 1000000, 0, 3));
}
END_TEST

START_TEST(test_actuator_levers)
{
    double share[4] = { 0.3, 0.3, 1, 1 }, one[4] = { 0.4, 1, 1, 1 };
    struct cvg_act_in in = { .nr_vcpus = 4, .share = share, .nr_pcpus = 8,
                             .period_us = 10000 };
    struct cvg_act_out out;

    /* Budgets: exact. */
    ck_assert_int_eq(cvg_actuate(CVG_LEVER_BUDGET, &in, &out), CVG_LEVER_BUDGET);
    ck_assert_uint_eq(out.budget_us[0], 3000);
    ck_assert_uint_eq(out.budget_us[2], 10000);
    /* Affinity: the two writers share one pCPU, the readers keep the rest. */
    ck_assert_int_eq(cvg_actuate(CVG_LEVER_AFFINITY, &in, &out), CVG_LEVER_AFFINITY);
    ck_assert(out.affinity);
    ck_assert_uint_eq(out.cpumap[0], 1ull << 7);
    ck_assert_uint_eq(out.cpumap[1], 1ull << 7);
    ck_assert_uint_eq(out.cpumap[2] & out.cpumap[0], 0);
    ck_assert_double_eq_tol(out.effective[0], 0.5, 1e-9);
    ck_assert(out.effective[2] == 1);
    /* One writer cannot be packed: the domain cap is the last resort. */
    in.share = one;
    ck_assert_int_eq(cvg_actuate(CVG_LEVER_AFFINITY, &in, &out), CVG_LEVER_CAP);
    ck_assert_uint_eq(out.cap, 340);
    /* A domain-wide throttle is always the cap from U0. */
    in.share = NULL;
    in.throttle_pct = 30;
    in.u0_dom_pct = 400;
    ck_assert_int_eq(cvg_actuate(CVG_LEVER_BUDGET, &in, &out), CVG_LEVER_CAP);
    ck_assert_uint_eq(out.cap, 280);
    /* Nothing asked: nothing set (the engine restores what it saved). */
    in.throttle_pct = 0;
    cvg_actuate(CVG_LEVER_BUDGET, &in, &out);
    ck_assert(!out.budgets && !out.affinity && out.cap == 0);
}
END_TEST

/* ---- the whole policy in virtual time -------------------------------- */

static void run(const char *text, enum cvg_policy_kind k, struct cvg_vt_result *r)
{
    struct cvg_scenario sc;
    struct cvg_vt_opts o;
    struct cvg_err err = { 0 };

    ck_assert_msg(cvg_scenario_parse(text, strlen(text), "test", &sc, &err) == 0, "%s",
                  err.msg);
    cvg_vt_opts_init(&o, &sc, k);
    ck_assert_msg(cvg_vt_run(&sc, &o, r, &err) == 0, "%s", err.msg);
    cvg_scenario_free(&sc);
}

START_TEST(test_writers_throttled_readers_not)
{
    static const char text[] =
        "name = \"w\"\nmemory = 1024\nvcpus = 4\nbandwidth = 500\n"
        "downtime_limit = 300\nmax_time = 120\nseed = 3\n"
        "workload = [ \"vcpus=0,pattern=uniform,rate=1500\", "
        "\"vcpus=1-3,pattern=read,rate=800\" ]\n";
    struct cvg_vt_result *r = calloc(1, sizeof(*r));

    ck_assert_ptr_nonnull(r);
    run(text, CVG_POLICY_KIND_CONVERGE, r);
    ck_assert(r->completed && r->converged);
    ck_assert_uint_le(r->downtime_ms, 300);
    ck_assert(r->vcpus[0].writer);
    ck_assert_double_lt(r->vcpus[0].min_share, 0.5);
    for (int v = 1; v < 4; v++) {
        ck_assert(!r->vcpus[v].writer);
        /* Only ever probed, never throttled. */
        ck_assert_double_ge(r->vcpus[v].min_share, 0.5);
        ck_assert_double_ge(r->vcpus[v].work_retained, 0.99);
    }
    /* Without throttling the same guest never converges. */
    run(text, CVG_POLICY_KIND_XEN_DEFAULT, r);
    ck_assert(!r->converged);
    ck_assert_uint_gt(r->downtime_ms, 1000);
    free(r);
}
END_TEST

START_TEST(test_no_throttle_when_the_link_suffices)
{
    static const char text[] =
        "name = \"l\"\nmemory = 1024\nvcpus = 4\nbandwidth = 1000\n"
        "downtime_limit = 300\nmax_time = 60\nseed = 7\n"
        "workload = [ \"vcpus=0,pattern=uniform,rate=40\", "
        "\"vcpus=1,pattern=read,rate=500\", \"vcpus=2-3,pattern=idle\" ]\n";
    struct cvg_vt_result *r = calloc(1, sizeof(*r));

    ck_assert_ptr_nonnull(r);
    run(text, CVG_POLICY_KIND_CONVERGE, r);
    ck_assert(r->completed && r->converged);
    ck_assert_uint_eq(r->max_throttle_pct, 0);
    ck_assert_uint_eq(r->probe_rounds, 0);
    for (int v = 0; v < 4; v++)
        ck_assert_double_ge(r->vcpus[v].work_retained, 0.999);
    free(r);
}
END_TEST

/*
 * Two vCPUs in lockstep (the regression cannot tell them apart) dirtying
 * faster than the link: converge must identify the writer with a probe
 * round.  Returns the window the round's first step asks for (ms).
 */
static uint32_t first_probe_window_ms(uint32_t overhead_ms, uint32_t clean_us)
{
    struct cvg_policy_state *pol = calloc(1, sizeof(*pol));
    struct cvg_policy_params p;
    struct cvg_policy_input in;
    struct cvg_policy_output out;
    uint64_t cpu[2] = { 0, 0 }, peek = 0;
    uint32_t got = 0;

    ck_assert_ptr_nonnull(pol);
    cvg_policy_defaults(&p, CVG_POLICY_KIND_CONVERGE, 2);
    p.stop.downtime_limit_ms = 100;
    p.stop.max_time_ms = 30000;
    cvg_policy_init(pol, &p);
    memset(&in, 0, sizeof(in));
    in.point = CVG_POINT_SAMPLE;
    in.st.memory_bytes = 64u << 20;
    in.st.bandwidth_bps = 50u << 20;
    in.st.pass_pages_total = 16384;
    in.vcpu_cpu_ns = cpu;
    in.overhead_ms = overhead_ms;
    in.clean_us = clean_us;
    cvg_policy_start(pol, &in);
    for (uint64_t k = 1; k <= 20 && !got; k++) {
        in.st.now_ms = 200 * k;
        cpu[0] = cpu[1] = 200000000ull * k;
        in.dom_cpu_ns = cpu[0] + cpu[1];
        peek += 4000;           /* 20,000 pages/s against a 12,800 pages/s link */
        in.peek_pages = in.pass_dirty_pages = peek;
        in.st.pass_pages_sent = 2560 * k < 16384 ? 2560 * k : 16384;
        in.st.bytes_sent = in.st.pass_pages_sent * 4096;
        cvg_policy_step(pol, &in, &out);
        if (out.probing)
            got = out.next_sample_ms;
    }
    free(pol);
    ck_assert_msg(got, "no probe round started");
    return got;
}

START_TEST(test_probe_window_sized_by_a_clean_not_the_switchover)
{
    /* A CLEAN of 50 us: the default window, whatever the switchover costs
     * (the engine's 30 ms made it 300 ms: identification took 6x longer in
     * real time than in the model). */
    ck_assert_uint_eq(first_probe_window_ms(30, 50), 50);
    ck_assert_uint_eq(first_probe_window_ms(1, 50), 50);
    ck_assert_uint_eq(first_probe_window_ms(30, 0), 50);
    /* A slow CLEAN (a large guest on Xen): windows ten times as long. */
    ck_assert_uint_eq(first_probe_window_ms(30, 20000), 200);
}
END_TEST

struct steps {
    uint32_t n, off_edge, probes;
    uint32_t header_cols, bad_lines;
};

static uint32_t columns(const char *line)
{
    uint32_t n = 1;

    for (; *line; line++)
        n += *line == ',';
    return n;
}

static void on_step(void *opaque, const struct cvg_policy_state *pol,
                    const struct cvg_policy_input *in, const struct cvg_policy_output *out)
{
    struct steps *st = opaque;
    char line[4096];

    st->n++;
    st->probes += out->probing;
    /* Mid-pass samples only where a batch of 1024 pages ends (or the pass). */
    if (in->point == CVG_POINT_SAMPLE && in->st.pass_pages_sent % 1024 &&
        in->st.pass_pages_sent != in->st.pass_pages_total)
        st->off_edge++;
    if (!st->header_cols) {
        ck_assert_int_lt(cvg_policy_trace_header(line, sizeof(line), pol->p.nr_vcpus),
                         (int)sizeof(line));
        st->header_cols = columns(line);
    }
    ck_assert_int_lt(cvg_policy_trace_line(line, sizeof(line), pol, in, out),
                     (int)sizeof(line));
    if (columns(line) != st->header_cols || line[strlen(line) - 1] != '\n')
        st->bad_lines++;
}

START_TEST(test_model_samples_between_batches_and_traces_every_step)
{
    /* tests/e2e/heavy-conv.cfg: 80 ms per batch at 50 MiB/s, longer than a
     * probe window, so sampling anywhere else would show. */
    static const char text[] =
        "name = \"h\"\nmemory = 64\nvcpus = 2\nbandwidth = 50\n"
        "downtime_limit = 100\nmax_time = 30\nseed = 3\n"
        "workload = [ \"vcpus=0,pattern=uniform,rate=200\", "
        "\"vcpus=1,pattern=read,rate=200\" ]\n";
    struct cvg_vt_result *r = calloc(1, sizeof(*r));
    struct steps st = { 0 };
    struct cvg_scenario sc;
    struct cvg_vt_opts o;
    struct cvg_err err = { 0 };

    ck_assert_ptr_nonnull(r);
    ck_assert_msg(cvg_scenario_parse(text, strlen(text), "test", &sc, &err) == 0, "%s",
                  err.msg);
    cvg_vt_opts_init(&o, &sc, CVG_POLICY_KIND_CONVERGE);
    o.trace = on_step;
    o.trace_opaque = &st;
    ck_assert_msg(cvg_vt_run(&sc, &o, r, &err) == 0, "%s", err.msg);
    ck_assert(r->completed && r->converged);
    ck_assert_uint_gt(st.n, 10);
    ck_assert_uint_gt(st.probes, 0);
    ck_assert_uint_eq(st.off_edge, 0);
    ck_assert_uint_eq(st.header_cols, 17 + 2 * 2);
    ck_assert_uint_eq(st.bad_lines, 0);
    /* The probe round ends within pass 0 and the writer is held from
     * there: two live passes, as the helper does on the simulator. */
    ck_assert_uint_eq(r->live_passes, 2);
    cvg_scenario_free(&sc);
    free(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("converge");
    TCase *pc = tcase_create("pieces");
    TCase *vt = tcase_create("virtual-time");
    SRunner *sr;
    int failed;

    tcase_add_test(pc, test_waterfill_spares_light_writers);
    tcase_add_test(pc, test_growth_curve_measured_then_extrapolated);
    tcase_add_test(pc, test_choice_throttles_only_when_the_link_does_not_suffice);
    tcase_add_test(pc, test_refresh_decision);
    tcase_add_test(pc, test_actuator_levers);
    tcase_add_test(pc, test_probe_window_sized_by_a_clean_not_the_switchover);
    tcase_add_test(vt, test_writers_throttled_readers_not);
    tcase_add_test(vt, test_no_throttle_when_the_link_suffices);
    tcase_add_test(vt, test_model_samples_between_batches_and_traces_every_step);
    tcase_set_timeout(vt, 20);
    suite_add_tcase(s, pc);
    suite_add_tcase(s, vt);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
