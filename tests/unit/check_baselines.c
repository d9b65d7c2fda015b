/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The baselines against their published rules: QEMU auto-converge
 * (migration_trigger_throttle, mig_throttle_guest_down), QEMU dirty-limit
 * (dirtylimit_set_throttle, do_calculate_dirtyrate), stock Xen 4.17 (five
 * passes), each through its own module and through the policy dispatcher.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>

#include "policy/auto_converge.h"
#include "policy/dirty_limit.h"
#include "policy/policy.h"

#define MIB (1024ull * 1024)
#define PAGES_PER_MIB 256ull

/* A sync that dirtied `dirty` pages while `sent` bytes went out in 2 s. */
static bool sync_at(const struct cvg_ac_params *p, struct cvg_ac_state *s, uint64_t *now,
                    uint64_t *sent, uint64_t dirty_bytes, uint64_t sent_bytes)
{
    *now += 2000;
    *sent += sent_bytes;
    return cvg_ac_on_sync(p, s, *now, dirty_bytes / 4096, *sent);
}

START_TEST(test_ac_two_hits_per_step_then_ten_up_to_99)
{
    struct cvg_ac_params p;
    struct cvg_ac_state s;
    uint64_t now = 0, sent = 0;
    uint32_t expect[] = { 20, 30, 40, 50, 60, 70, 80, 90, 99, 99 };

    cvg_ac_defaults(&p);
    cvg_ac_init(&s, 0, 0);
    for (unsigned i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
        uint32_t before = s.pct;

        /* Dirtied 60 % of what was sent: a hit.  The first hit of a pair
         * never steps. */
        ck_assert(!sync_at(&p, &s, &now, &sent, 60 * MIB, 100 * MIB));
        ck_assert_uint_eq(s.pct, before);
        sync_at(&p, &s, &now, &sent, 60 * MIB, 100 * MIB);
        ck_assert_uint_eq(s.pct, expect[i]);
    }
    /* A calm period afterwards never steps down. */
    for (int i = 0; i < 4; i++)
        sync_at(&p, &s, &now, &sent, 0, 100 * MIB);
    ck_assert_uint_eq(s.pct, 99);
}
END_TEST

START_TEST(test_ac_threshold_is_strict_and_misses_keep_the_count)
{
    struct cvg_ac_params p;
    struct cvg_ac_state s;
    uint64_t now = 0, sent = 0;

    cvg_ac_defaults(&p);
    cvg_ac_init(&s, 0, 0);
    /* Exactly 50 % is not above the threshold. */
    sync_at(&p, &s, &now, &sent, 50 * MIB, 100 * MIB);
    sync_at(&p, &s, &now, &sent, 50 * MIB, 100 * MIB);
    ck_assert_uint_eq(s.pct, 0);
    ck_assert_uint_eq(s.high_cnt, 0);
    /* Hit, miss, hit: QEMU's counter is not cleared by the miss. */
    sync_at(&p, &s, &now, &sent, 51 * MIB, 100 * MIB);
    sync_at(&p, &s, &now, &sent, 1 * MIB, 100 * MIB);
    ck_assert_uint_eq(s.pct, 0);
    sync_at(&p, &s, &now, &sent, 51 * MIB, 100 * MIB);
    ck_assert_uint_eq(s.pct, 20);
}
END_TEST

START_TEST(test_ac_short_periods_accumulate)
{
    struct cvg_ac_params p;
    struct cvg_ac_state s;

    cvg_ac_defaults(&p);
    cvg_ac_init(&s, 0, 0);
    /* Syncs less than 1 s apart only add to the period... */
    ck_assert(!cvg_ac_on_sync(&p, &s, 400, 10000, 100 * MIB));
    ck_assert(!cvg_ac_on_sync(&p, &s, 800, 10000, 100 * MIB));
    ck_assert_uint_eq(s.evaluations, 0);
    ck_assert_uint_eq(s.period_dirty_pages, 20000);
    /* ... which is judged whole: 20000 pages = 78 MiB > 50 % of 120 MiB. */
    cvg_ac_on_sync(&p, &s, 1200, 0, 120 * MIB);
    ck_assert_uint_eq(s.evaluations, 1);
    ck_assert_uint_eq(s.high_cnt, 1);
    ck_assert_uint_eq(s.period_dirty_pages, 0);
}
END_TEST

START_TEST(test_ac_tailslow_shrinks_the_last_steps)
{
    struct cvg_ac_params p;
    struct cvg_ac_state s;
    uint64_t now = 0, sent = 0;

    cvg_ac_defaults(&p);
    p.tailslow = true;
    cvg_ac_init(&s, 0, 0);
    sync_at(&p, &s, &now, &sent, 60 * MIB, 100 * MIB);
    sync_at(&p, &s, &now, &sent, 60 * MIB, 100 * MIB);
    ck_assert_uint_eq(s.pct, 20);
    /* Dirtied 55 of 100: cpu_now 80, ideal 80 x 50/55 = 72 -> +8, not +10. */
    sync_at(&p, &s, &now, &sent, 55 * MIB, 100 * MIB);
    sync_at(&p, &s, &now, &sent, 55 * MIB, 100 * MIB);
    ck_assert_uint_eq(s.pct, 28);
}
END_TEST

START_TEST(test_ac_cap_from_usage_before_throttling)
{
    ck_assert_uint_eq(cvg_ac_cap(400, 0, 4), 0);        /* no throttle: restore */
    ck_assert_uint_eq(cvg_ac_cap(400, 20, 4), 320);
    ck_assert_uint_eq(cvg_ac_cap(400, 99, 4), 4);
    ck_assert_uint_eq(cvg_ac_cap(50, 99, 4), 1);        /* never 0: that is uncapped */
    ck_assert_uint_eq(cvg_ac_cap(900, 10, 4), 400);     /* credit2 refuses more */
    ck_assert_uint_eq(cvg_cpu_usage_pct(3 * 1000000000ull, 1000000000ull), 300);
    ck_assert_uint_eq(cvg_cpu_usage_pct(0, 0), 0);
}
END_TEST

/* ---- dirty-limit ---------------------------------------------------- */

START_TEST(test_dl_rate_truncates_to_whole_mib)
{
    ck_assert_uint_eq(cvg_dl_rate_mib_s(255, 1000), 0);
    ck_assert_uint_eq(cvg_dl_rate_mib_s(256, 1000), 1);
    ck_assert_uint_eq(cvg_dl_rate_mib_s(10 * 256, 500), 20);
    ck_assert_uint_eq(cvg_dl_rate_mib_s(511, 500), 2);  /* 1 MiB (not 1.996) x 2 */
    ck_assert_uint_eq(cvg_dl_rate_mib_s(1000, 0), 0);
}
END_TEST

static void dl_state(struct cvg_dl_state *s)
{
    struct cvg_dl_params p;

    cvg_dl_defaults(&p);                /* ring of 4096 pages = 16 MiB */
    cvg_dl_init(s, &p, 4);
}

START_TEST(test_dl_linear_region)
{
    struct cvg_dl_state s;
    uint64_t rft;

    dl_state(&s);
    cvg_dl_set_all(&s, 300);
    /* |300 - 900| x 100 / 900 = 66 % > 50 %: linear.  ring_full_time =
     * 16 MiB x 1e6 / 900 = 17777 us; 66 / 34 of it. */
    cvg_dl_set_throttle(&s, 0, 300, 900);
    rft = 16 * 1000000ull / 900;
    ck_assert_uint_eq(rft, 17777);
    ck_assert_int_eq(s.v[0].throttle_us_per_full, (int64_t)(17777.0 * 66 / 34));
}
END_TEST

START_TEST(test_dl_fine_region_dead_band_and_clamps)
{
    struct cvg_dl_state s;
    uint64_t rates[4] = { 0 };

    dl_state(&s);
    cvg_dl_set_all(&s, 500);
    /* 600 against 500: 16 % -> one tenth of the ring-full time. */
    rates[0] = 600;
    cvg_dl_process(&s, rates);
    ck_assert_int_eq(s.v[0].throttle_us_per_full, (int64_t)(16000000ull / 600 / 10));
    /* Within 25 MiB/s of the quota: left alone. */
    rates[0] = 520;
    cvg_dl_process(&s, rates);
    ck_assert_int_eq(s.v[0].throttle_us_per_full, (int64_t)(16000000ull / 600 / 10));
    /* Below the quota: relaxes, and never below 0.  The ring-full time now
     * comes from the largest rate ever seen (600). */
    rates[0] = 400;
    cvg_dl_process(&s, rates);
    cvg_dl_process(&s, rates);
    ck_assert_int_eq(s.v[0].throttle_us_per_full, 0);
    /* Far above: at most 99 ring-full times. */
    cvg_dl_set_all(&s, 1);
    for (int i = 0; i < 10; i++) {
        rates[0] = 900;
        cvg_dl_process(&s, rates);
    }
    ck_assert_int_eq(s.v[0].throttle_us_per_full, (int64_t)(16000000ull / 900) * 99);
}
END_TEST

START_TEST(test_dl_readers_never_sleep)
{
    struct cvg_dl_state s;
    uint64_t rates[4] = { 900, 0, 0, 0 };

    dl_state(&s);
    cvg_dl_set_all(&s, 1);
    for (int i = 0; i < 5; i++)
        cvg_dl_process(&s, rates);
    ck_assert_int_gt(s.v[0].throttle_us_per_full, 0);
    for (int v = 1; v < 4; v++) {
        ck_assert_int_eq(s.v[v].throttle_us_per_full, 0);
        /* ... and a vCPU that fills no ring runs all the time anyway. */
        ck_assert(cvg_dl_duty(1000000, 0, 4096) == 1.0);
    }
    /* A writer filling 4096 pages in 17.8 ms that sleeps as long runs half. */
    ck_assert_double_eq_tol(cvg_dl_duty(17778, 4096 / 0.017778, 4096), 0.5, 1e-3);
    /* Cancelled: the sleep goes. */
    cvg_dl_set_all(&s, 0);
    ck_assert_int_eq(s.v[0].throttle_us_per_full, 0);
}
END_TEST

/* ---- through the dispatcher ------------------------------------------ */

struct drive {
    struct cvg_policy_state *pol;
    struct cvg_policy_input in;
    struct cvg_policy_output out;
    uint64_t cpu[4], ring[4];
};

static void drive_init(struct drive *d, enum cvg_policy_kind k)
{
    struct cvg_policy_params p;

    memset(d, 0, sizeof(*d));
    cvg_policy_defaults(&p, k, 4);
    p.stop.downtime_limit_ms = 300;
    d->pol = calloc(1, sizeof(*d->pol));
    ck_assert_ptr_nonnull(d->pol);
    cvg_policy_init(d->pol, &p);
    d->in.vcpu_cpu_ns = d->cpu;
    d->in.st.memory_bytes = 1024 * MIB;
    d->in.st.bandwidth_bps = 100 * MIB;
    cvg_policy_start(d->pol, &d->in);
}

/* t_ms later, after a pass whose CLEAN found `dirty` pages; every vCPU ran
 * all the time; vCPU 0 dirtied everything. */
static void pass_end(struct drive *d, uint64_t t_ms, uint64_t dirty, uint64_t sent)
{
    uint64_t dt = t_ms - d->in.st.now_ms;

    for (int v = 0; v < 4; v++)
        d->cpu[v] += dt * 1000000ull;
    d->ring[0] += dirty;
    d->in.dom_cpu_ns = 4 * d->cpu[0];
    d->in.point = CVG_POINT_PASS_END;
    d->in.st.now_ms = t_ms;
    d->in.st.bytes_sent += sent;
    d->in.st.dirty_pages = dirty;
    d->in.peek_pages = dirty;
    cvg_policy_step(d->pol, &d->in, &d->out);
    d->in.st.pass++;
}

START_TEST(test_dispatch_xen_default_five_passes)
{
    struct drive d;
    unsigned passes = 0;

    drive_init(&d, CVG_POLICY_KIND_XEN_DEFAULT);
    for (uint64_t t = 1000; passes < 10; t += 1000) {
        pass_end(&d, t, 100000, 100 * MIB);
        passes++;
        if (d.out.decision != CVG_CONTINUE)
            break;
    }
    ck_assert_uint_eq(passes, 5);
    ck_assert_int_eq(d.out.decision, CVG_STOP_AND_COPY);
    ck_assert(d.out.verdict.forced);
    ck_assert_uint_eq(d.out.throttle_pct, 0);
    free(d.pol);
}
END_TEST

START_TEST(test_dispatch_auto_converge_steps_and_caps)
{
    struct drive d;

    drive_init(&d, CVG_POLICY_KIND_AUTO_CONVERGE);
    /* 1 s passes dirtying 80 MiB while sending 100: a hit each pass. */
    pass_end(&d, 1500, 80 * PAGES_PER_MIB, 100 * MIB);
    ck_assert_uint_eq(d.out.throttle_pct, 0);
    ck_assert_int_eq(d.out.decision, CVG_CONTINUE);
    pass_end(&d, 3000, 80 * PAGES_PER_MIB, 100 * MIB);
    ck_assert_uint_eq(d.out.throttle_pct, 20);
    /* U0 was measured before throttling: 4 busy vCPUs = 400 %. */
    ck_assert_uint_eq(d.out.u0_dom_pct, 400);
    pass_end(&d, 4500, 80 * PAGES_PER_MIB, 100 * MIB);
    pass_end(&d, 6000, 80 * PAGES_PER_MIB, 100 * MIB);
    ck_assert_uint_eq(d.out.throttle_pct, 30);
    ck_assert_uint_eq(d.out.u0_dom_pct, 400);     /* kept fixed */
    /* 20 MiB left at 100 MiB/s = 200 ms: the downtime-aware rule stops. */
    pass_end(&d, 7500, 20 * PAGES_PER_MIB, 100 * MIB);
    ck_assert_int_eq(d.out.decision, CVG_STOP_AND_COPY);
    free(d.pol);
}
END_TEST

START_TEST(test_dispatch_auto_converge_periodic_sync)
{
    struct cvg_policy_params p;
    struct cvg_policy_state *pol = calloc(1, sizeof(*pol));
    struct cvg_policy_input in = { 0 };
    struct cvg_policy_output out;
    uint64_t cpu[4] = { 0 };

    ck_assert_ptr_nonnull(pol);
    cvg_policy_defaults(&p, CVG_POLICY_KIND_AUTO_CONVERGE, 4);
    p.periodic_sync = true;
    cvg_policy_init(pol, &p);
    in.vcpu_cpu_ns = cpu;
    cvg_policy_start(pol, &in);
    /* During the first pass QEMU never forces a sync. */
    in.point = CVG_POINT_SAMPLE;
    in.st.now_ms = 6000;
    cvg_policy_step(pol, &in, &out);
    ck_assert(!out.refresh);
    in.point = CVG_POINT_PASS_END;
    in.st.now_ms = 7000;
    in.st.pass = 0;
    cvg_policy_step(pol, &in, &out);
    /* A long second pass: a sync 5 s after the last one. */
    in.st.pass = 1;
    in.point = CVG_POINT_SAMPLE;
    in.st.now_ms = 11000;
    cvg_policy_step(pol, &in, &out);
    ck_assert(!out.refresh);
    in.st.now_ms = 12000;
    cvg_policy_step(pol, &in, &out);
    ck_assert(out.refresh);
    free(pol);
}
END_TEST

START_TEST(test_dispatch_dirty_limit_quota_on_trigger_writers_only)
{
    struct drive d;

    drive_init(&d, CVG_POLICY_KIND_DIRTY_LIMIT);
    d.in.vcpu_dirty_pages = d.ring;
    pass_end(&d, 1500, 80 * PAGES_PER_MIB, 100 * MIB);
    ck_assert(!d.out.per_vcpu);
    pass_end(&d, 3000, 80 * PAGES_PER_MIB, 100 * MIB);
    /* Triggered: every vCPU gets the quota (vcpu-dirty-limit = 1 MB/s). */
    ck_assert(d.out.per_vcpu);
    for (int v = 0; v < 4; v++)
        ck_assert_uint_eq(d.out.quota_mib_s[v], 1);
    /* A period later the writer (vCPU 0, 400 MiB/s) sleeps, the readers do not. */
    pass_end(&d, 4000, 400 * PAGES_PER_MIB, 100 * MIB);
    ck_assert_int_gt(d.out.sleep_us_per_full[0], 0);
    ck_assert(d.out.share[0] < 1.0);
    for (int v = 1; v < 4; v++) {
        ck_assert_int_eq(d.out.sleep_us_per_full[v], 0);
        ck_assert(d.out.share[v] == 1.0);
    }
    free(d.pol);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("baselines");
    TCase *ac = tcase_create("auto-converge");
    TCase *dl = tcase_create("dirty-limit");
    TCase *dp = tcase_create("dispatch");
    SRunner *sr;
    int failed;

    tcase_add_test(ac, test_ac_two_hits_per_step_then_ten_up_to_99);
    tcase_add_test(ac, test_ac_threshold_is_strict_and_misses_keep_the_count);
    tcase_add_test(ac, test_ac_short_periods_accumulate);
    tcase_add_test(ac, test_ac_tailslow_shrinks_the_last_steps);
    tcase_add_test(ac, test_ac_cap_from_usage_before_throttling);
    tcase_add_test(dl, test_dl_rate_truncates_to_whole_mib);
    tcase_add_test(dl, test_dl_linear_region);
    tcase_add_test(dl, test_dl_fine_region_dead_band_and_clamps);
    tcase_add_test(dl, test_dl_readers_never_sleep);
    tcase_add_test(dp, test_dispatch_xen_default_five_passes);
    tcase_add_test(dp, test_dispatch_auto_converge_steps_and_caps);
    tcase_add_test(dp, test_dispatch_auto_converge_periodic_sync);
    tcase_add_test(dp, test_dispatch_dirty_limit_quota_on_trigger_writers_only);
    suite_add_tcase(s, ac);
    suite_add_tcase(s, dl);
    suite_add_tcase(s, dp);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
