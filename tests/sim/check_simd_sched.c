/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * converge-simd's scheduler, end to end: a real daemon, real vCPU threads,
 * the hv port's cap/budget/affinity calls.  Every bound compares rates
 * measured in the same test (before and after the change), so a loaded
 * host slows both sides alike.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <string.h>

#include "harness.h"

static struct simd_proc proc;
static struct cvg_hv *hv;

static void setup(void)
{
    harness_start(&proc);
    hv = harness_hv(&proc);
}

static void teardown(void)
{
    harness_close(hv);
    hv = NULL;
    harness_stop(&proc);
}

static double rate(uint64_t work, double s)
{
    return (double)work / s;
}

#define RATIO_IN(x, lo, hi) \
    ck_assert_msg((x) >= (lo) && (x) <= (hi), "%s = %.3f, expected %.2f..%.2f", #x, (x), (lo), (hi))

START_TEST(test_cap_50_halves_a_busy_vcpu)
{
    char sc[512];
    struct cvg_err err = { 0 };
    uint64_t w0[1], w1[1], c0[1], c1[1];
    double t0, t1, work_ratio, cpu_ratio, busy;
    uint32_t domid, cap = 1;

    domid = harness_create(hv, harness_scenario(sc, sizeof(sc), 64, 1,
                                                "\"vcpus=0,pattern=uniform,rate=40\"", NULL));
    harness_sleep_ms(100);
    harness_work_over(hv, domid, 1000, w0, c0, 1, &t0);
    /* Full speed is rate x 256 page writes per second (a host loaded by
     * the rest of the suite costs the simulated guest some of it, as steal
     * time would: the bounds leave room for that, not for a 50 % cap). */
    RATIO_IN(rate(w0[0], t0) / (40 * 256.0), 0.7, 1.1);
    busy = (double)c0[0] / 1e9 / t0;
    RATIO_IN(busy, 0.7, 1.1);

    ck_assert_int_eq(hv->ops->cap_set(hv, domid, 50, &err), 0);
    ck_assert_int_eq(hv->ops->cap_get(hv, domid, &cap, &err), 0);
    ck_assert_uint_eq(cap, 50);
    harness_sleep_ms(50);       /* a few 10 ms periods */
    harness_work_over(hv, domid, 1000, w1, c1, 1, &t1);
    work_ratio = rate(w1[0], t1) / rate(w0[0], t0);
    cpu_ratio = ((double)c1[0] / t1) / ((double)c0[0] / t0);
    /* Half a pCPU against what it got uncapped (at most one pCPU, less on
     * a loaded host): 0.5 .. 0.5/0.7. */
    RATIO_IN(work_ratio, 0.4, 0.75);
    RATIO_IN(cpu_ratio, 0.4, 0.75);

    /* Cap 0 lifts it again (credit2's rule). */
    ck_assert_int_eq(hv->ops->cap_set(hv, domid, 0, &err), 0);
    harness_sleep_ms(50);
    harness_work_over(hv, domid, 500, w1, NULL, 1, &t1);
    work_ratio = rate(w1[0], t1) / rate(w0[0], t0);
    RATIO_IN(work_ratio, 0.8, 1.3);

    /* More than 100 per vCPU is refused, and the cap stays. */
    ck_assert_int_eq(hv->ops->cap_set(hv, domid, 101, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "101"));
    ck_assert_int_eq(hv->ops->cap_get(hv, domid, &cap, NULL), 0);
    ck_assert_uint_eq(cap, 0);
}
END_TEST

START_TEST(test_budget_throttles_only_its_vcpu)
{
    char sc[512];
    struct cvg_err err = { 0 };
    uint64_t w0[2], w1[2];
    double t0, t1, r0, r1;
    uint32_t domid, period = 0, budget = 0;

    domid = harness_create(hv, harness_scenario(sc, sizeof(sc), 64, 2,
                                                "\"vcpus=0-1,pattern=uniform,rate=40\"", NULL));
    harness_sleep_ms(100);
    harness_work_over(hv, domid, 800, w0, NULL, 2, &t0);
    ck_assert_int_eq(hv->ops->vcpu_budget_set(hv, domid, 0, 10000, 2500, &err), 0);
    ck_assert_int_eq(hv->ops->vcpu_budget_get(hv, domid, 0, &period, &budget, &err), 0);
    ck_assert_uint_eq(period, 10000);
    ck_assert_uint_eq(budget, 2500);
    harness_sleep_ms(50);
    harness_work_over(hv, domid, 800, w1, NULL, 2, &t1);
    r0 = rate(w1[0], t1) / rate(w0[0], t0);
    r1 = rate(w1[1], t1) / rate(w0[1], t0);
    RATIO_IN(r0, 0.15, 0.35);
    RATIO_IN(r1, 0.85, 1.15);

    /* RTDS's bounds: budget within 10 us .. period. */
    ck_assert_int_eq(hv->ops->vcpu_budget_set(hv, domid, 1, 10000, 20000, &err), -EINVAL);
    ck_assert_int_eq(hv->ops->vcpu_budget_set(hv, domid, 2, 10000, 5000, &err), -EINVAL);
    ck_assert_int_eq(hv->ops->vcpu_budget_get(hv, domid, 1, &period, &budget, &err), 0);
    ck_assert_uint_eq(budget, period);
}
END_TEST

START_TEST(test_packing_two_vcpus_on_one_pcpu_halves_them)
{
    char sc[512];
    struct cvg_err err = { 0 };
    uint64_t w0[3], w1[3], one = 1ull << 7, map[2] = { 0, 0 }, bad[2] = { 0, 1 };
    double t0, t1, pair, free_vcpu;
    uint32_t domid, nr = 0;

    ck_assert_int_eq(hv->ops->nr_pcpus(hv, &nr, &err), 0);
    ck_assert_uint_eq(nr, 64);
    domid = harness_create(hv, harness_scenario(sc, sizeof(sc), 64, 3,
                                                "\"vcpus=0-2,pattern=uniform,rate=40\"", NULL));
    harness_sleep_ms(100);
    harness_work_over(hv, domid, 800, w0, NULL, 3, &t0);
    ck_assert_int_eq(hv->ops->vcpu_affinity_set(hv, domid, 0, &one, 1, &err), 0);
    ck_assert_int_eq(hv->ops->vcpu_affinity_set(hv, domid, 1, &one, 1, &err), 0);
    ck_assert_int_eq(hv->ops->vcpu_affinity_get(hv, domid, 1, map, 2, &err), 0);
    ck_assert_uint_eq(map[0], one);
    ck_assert_uint_eq(map[1], 0);
    harness_sleep_ms(50);
    harness_work_over(hv, domid, 800, w1, NULL, 3, &t1);
    pair = rate(w1[0] + w1[1], t1) / rate(w0[0] + w0[1], t0);
    free_vcpu = rate(w1[2], t1) / rate(w0[2], t0);
    RATIO_IN(pair, 0.4, 0.6);
    RATIO_IN(free_vcpu, 0.85, 1.15);

    /* A map with no existing pCPU is refused (pCPU 64 does not exist). */
    ck_assert_int_eq(hv->ops->vcpu_affinity_set(hv, domid, 2, bad, 2, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "none of the 64 pCPUs"));
}
END_TEST

START_TEST(test_cpu_time_follows_the_granted_share)
{
    char sc[512];
    struct cvg_err err = { 0 };
    struct cvg_vcpuinfo v0a, v0b, v1a, v1b, v2b;
    struct cvg_dominfo di;
    uint64_t w[3], c[3];
    double t;
    uint32_t domid;

    domid = harness_create(hv, harness_scenario(sc, sizeof(sc), 64, 3,
                                                "\"vcpus=0,pattern=uniform,rate=20\", "
                                                "\"vcpus=1,pattern=idle,rate=0\", "
                                                "\"vcpus=2,pattern=read,rate=20\"", NULL));
    harness_sleep_ms(100);
    ck_assert_int_eq(hv->ops->vcpuinfo(hv, domid, 0, &v0a, &err), 0);
    ck_assert_int_eq(hv->ops->vcpuinfo(hv, domid, 1, &v1a, &err), 0);
    harness_sleep_ms(500);
    ck_assert_int_eq(hv->ops->vcpuinfo(hv, domid, 0, &v0b, &err), 0);
    ck_assert_int_eq(hv->ops->vcpuinfo(hv, domid, 1, &v1b, &err), 0);
    ck_assert_int_eq(hv->ops->vcpuinfo(hv, domid, 2, &v2b, &err), 0);
    /* The busy vCPU runs, the idle one is blocked and uses no time. */
    ck_assert(v0b.online && v0b.running && !v0b.blocked);
    ck_assert(v1b.online && v1b.blocked && !v1b.running);
    ck_assert_uint_eq(v1b.cpu_time_ns, 0);
    ck_assert_uint_gt(v0b.cpu_time_ns - v0a.cpu_time_ns, 350000000ull);
    ck_assert_uint_lt(v0b.cpu_time_ns - v0a.cpu_time_ns, 650000000ull);
    ck_assert_uint_gt(v2b.cpu_time_ns, 0);
    ck_assert_int_eq(hv->ops->dominfo(hv, domid, &di, &err), 0);
    ck_assert_uint_ge(di.cpu_time_ns, v0b.cpu_time_ns + v2b.cpu_time_ns);
    ck_assert_uint_eq(di.nr_online_vcpus, 3);
    ck_assert_uint_eq(di.max_vcpu_id, 2);

    /* A cap of 100 shared by the two runnable vCPUs: half a pCPU each. */
    ck_assert_int_eq(hv->ops->cap_set(hv, domid, 100, &err), 0);
    harness_sleep_ms(50);
    harness_work_over(hv, domid, 800, w, c, 3, &t);
    RATIO_IN((double)c[0] / 1e9 / t, 0.4, 0.6);
    RATIO_IN((double)c[2] / 1e9 / t, 0.4, 0.6);
    ck_assert_uint_eq(c[1], 0);
    ck_assert_uint_eq(w[1], 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("simd_sched");
    TCase *tc = tcase_create("daemon");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 20);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_cap_50_halves_a_busy_vcpu);
    tcase_add_test(tc, test_budget_throttles_only_its_vcpu);
    tcase_add_test(tc, test_packing_two_vcpus_on_one_pcpu_halves_them);
    tcase_add_test(tc, test_cpu_time_follows_the_granted_share);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
