/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Stop rules and the bandwidth window: pure functions, exact expectations. */
#include "config.h"

#include <check.h>
#include <stdint.h>

#include "policy/bandwidth.h"
#include "policy/stop_rule.h"

#define MIB (1024ull * 1024)

static struct cvg_stop_params params(void)
{
    struct cvg_stop_params p = {
        .downtime_limit_ms = 300,
        .max_time_ms = 60000,
        .max_passes = 0,
        .on_limit = CVG_ON_LIMIT_ABORT,
    };
    return p;
}

START_TEST(test_bw_window_rate)
{
    struct cvg_bw_window w;

    cvg_bw_init(&w, 1000);
    ck_assert_uint_eq(cvg_bw_rate(&w), 0);
    cvg_bw_add(&w, 0, 0);
    ck_assert_uint_eq(cvg_bw_rate(&w), 0);
    /* 100 MiB/s for two seconds, in 10 ms writes of 1 MiB. */
    for (uint64_t t = 10; t <= 2000; t += 10)
        cvg_bw_add(&w, t, MIB);
    ck_assert_uint_eq(cvg_bw_rate(&w), 100 * MIB);
    /* The link halves: within one window the estimate follows. */
    for (uint64_t t = 2020; t <= 3200; t += 20)
        cvg_bw_add(&w, t, MIB);
    ck_assert_uint_eq(cvg_bw_rate(&w), 50 * MIB);
}
END_TEST

START_TEST(test_bw_window_bursts_do_not_overflow_the_ring)
{
    struct cvg_bw_window w;

    cvg_bw_init(&w, 1000);
    cvg_bw_add(&w, 0, 0);       /* the engine marks the start */
    /* Ten writes per millisecond: merged into marks, never lost. */
    for (uint64_t t = 1; t <= 1000; t++)
        for (int i = 0; i < 10; i++)
            cvg_bw_add(&w, t, 1000);
    ck_assert_uint_eq(cvg_bw_rate(&w), 10 * 1000 * 1000);
}
END_TEST

START_TEST(test_bw_window_in_us_measures_sub_ms_sends)
{
    struct cvg_bw_window w;

    /* The helper's clock runs only while it sends: a small pass to a fast
     * sink is over in well under a millisecond and must not read 0. */
    cvg_bw_init_us(&w, 2000000);
    cvg_bw_add(&w, 0, 0);
    cvg_bw_add(&w, 250, 512 * 1024);
    cvg_bw_add(&w, 500, 512 * 1024);
    ck_assert_uint_eq(cvg_bw_rate(&w), 2000 * MIB);   /* 1 MiB in 0.5 ms */
}
END_TEST

START_TEST(test_expected_downtime_rounds_up)
{
    ck_assert_uint_eq(cvg_expected_downtime_ms(0, 0), 0);
    ck_assert_uint_eq(cvg_expected_downtime_ms(1, 0), UINT64_MAX);
    ck_assert_uint_eq(cvg_expected_downtime_ms(100 * MIB, 100 * MIB), 1000);
    ck_assert_uint_eq(cvg_expected_downtime_ms(100 * MIB + 1, 100 * MIB), 1001);
}
END_TEST

START_TEST(test_stops_when_downtime_fits)
{
    struct cvg_stop_params p = params();
    struct cvg_mig_stats s = { .now_ms = 1000, .pass = 3, .bandwidth_bps = 100 * MIB };
    struct cvg_stop_verdict v;

    /* 30 MiB at 100 MiB/s = 300 ms: exactly the limit. */
    s.dirty_pages = 30 * MIB / 4096;
    v = cvg_stop_rule(&p, &s);
    ck_assert_int_eq(v.decision, CVG_STOP_AND_COPY);
    ck_assert_uint_eq(v.expected_downtime_ms, 300);
    /* One page more does not fit. */
    s.dirty_pages++;
    v = cvg_stop_rule(&p, &s);
    ck_assert_int_eq(v.decision, CVG_CONTINUE);
    ck_assert_uint_eq(v.expected_downtime_ms, 301);
}
END_TEST

START_TEST(test_slow_destination_lowers_the_rate)
{
    struct cvg_stop_params p = params();
    struct cvg_mig_stats s = { .bandwidth_bps = 100 * MIB,
                               .dirty_pages = 20 * MIB / 4096 };

    ck_assert_int_eq(cvg_stop_rule(&p, &s).decision, CVG_STOP_AND_COPY);
    s.apply_rate_bps = 50 * MIB;           /* 20 MiB now take 400 ms */
    ck_assert_uint_eq(cvg_effective_rate(&p, &s), 50 * MIB);
    ck_assert_int_eq(cvg_stop_rule(&p, &s).decision, CVG_CONTINUE);
    /* A configured cap below the measured rate counts too. */
    s.apply_rate_bps = 0;
    p.bandwidth_cap_bps = 40 * MIB;
    ck_assert_uint_eq(cvg_effective_rate(&p, &s), 40 * MIB);
}
END_TEST

START_TEST(test_timeout_action)
{
    struct cvg_stop_params p = params();
    struct cvg_mig_stats s = { .now_ms = 60000, .bandwidth_bps = 10 * MIB,
                               .dirty_pages = 1 << 20 };
    struct cvg_stop_verdict v;

    v = cvg_stop_rule(&p, &s);
    ck_assert_int_eq(v.decision, CVG_ABORT);
    ck_assert_str_eq(v.reason, "max_time reached");
    ck_assert(v.forced);
    p.on_limit = CVG_ON_LIMIT_SWITCHOVER;
    ck_assert_int_eq(cvg_stop_rule(&p, &s).decision, CVG_STOP_AND_COPY);
    /* Before the deadline it keeps going. */
    s.now_ms = 59999;
    ck_assert_int_eq(cvg_stop_rule(&p, &s).decision, CVG_CONTINUE);
    /* max_passes counts passes done: pass index 9 is the tenth. */
    p.max_passes = 10;
    s.pass = 8;
    ck_assert_int_eq(cvg_stop_rule(&p, &s).decision, CVG_CONTINUE);
    s.pass = 9;
    ck_assert_int_eq(cvg_stop_rule(&p, &s).decision, CVG_STOP_AND_COPY);
}
END_TEST

START_TEST(test_no_rate_yet_never_stops_early)
{
    struct cvg_stop_params p = params();
    struct cvg_mig_stats s = { .dirty_pages = 1 };

    ck_assert_int_eq(cvg_stop_rule(&p, &s).decision, CVG_CONTINUE);
    s.dirty_pages = 0;
    ck_assert_int_eq(cvg_stop_rule(&p, &s).decision, CVG_STOP_AND_COPY);
    s.dirty_pages = 1;
    s.guest_paused = true;
    ck_assert_int_eq(cvg_stop_rule(&p, &s).decision, CVG_STOP_AND_COPY);
}
END_TEST

START_TEST(test_xen_default_is_five_passes_or_fifty_pages)
{
    struct cvg_mig_stats s = { .bandwidth_bps = 10 * MIB, .dirty_pages = 100000 };
    unsigned pass;

    for (pass = 0; pass < 10; pass++) {
        s.pass = pass;
        if (cvg_stop_rule_xen_default(&s).decision == CVG_STOP_AND_COPY)
            break;
    }
    /* Stops after the fifth live pass (index 4), with seconds of downtime. */
    ck_assert_uint_eq(pass, 4);
    ck_assert(cvg_stop_rule_xen_default(&s).forced);
    ck_assert_uint_ge(cvg_stop_rule_xen_default(&s).expected_downtime_ms, 30000);
    s.pass = 0;
    s.dirty_pages = 49;
    ck_assert_int_eq(cvg_stop_rule_xen_default(&s).decision, CVG_STOP_AND_COPY);
    s.dirty_pages = 50;
    ck_assert_int_eq(cvg_stop_rule_xen_default(&s).decision, CVG_CONTINUE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("policy");
    TCase *tc = tcase_create("stop");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_bw_window_rate);
    tcase_add_test(tc, test_bw_window_bursts_do_not_overflow_the_ring);
    tcase_add_test(tc, test_bw_window_in_us_measures_sub_ms_sends);
    tcase_add_test(tc, test_expected_downtime_rounds_up);
    tcase_add_test(tc, test_stops_when_downtime_fits);
    tcase_add_test(tc, test_slow_destination_lowers_the_rate);
    tcase_add_test(tc, test_timeout_action);
    tcase_add_test(tc, test_no_rate_yet_never_stops_early);
    tcase_add_test(tc, test_xen_default_is_five_passes_or_fifty_pages);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
