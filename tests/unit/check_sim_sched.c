/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulator's scheduler model: caps, budgets and affinity packing. */
#include "config.h"

#include <check.h>
#include <math.h>

#include "sim/sched.h"

#define ALL (~0ull)
#define NEAR(a, b) ck_assert_msg(fabs((a) - (b)) < 1e-6, "%s = %f, expected %f", #a, (a), (b))

static struct cvg_sim_sched_vcpu busy(uint32_t dom, uint64_t aff)
{
    return (struct cvg_sim_sched_vcpu){ .dom = dom, .runnable = true, .limit = 1,
                                        .affinity = aff };
}

START_TEST(test_uncapped_busy_vcpus_get_a_pcpu_each)
{
    struct cvg_sim_sched_dom d[1] = { { 0 } };
    struct cvg_sim_sched_vcpu v[3] = { busy(0, ALL), busy(0, ALL), busy(0, ALL) };
    double s[3];

    cvg_sim_sched_shares(64, d, 1, v, 3, s);
    NEAR(s[0], 1.0);
    NEAR(s[1], 1.0);
    NEAR(s[2], 1.0);
}
END_TEST

START_TEST(test_cap_is_shared_by_runnable_vcpus)
{
    struct cvg_sim_sched_dom d[1] = { { .cap_pct = 50 } };
    struct cvg_sim_sched_vcpu v[4] = { busy(0, ALL), busy(0, ALL), busy(0, ALL), busy(0, ALL) };
    double s[4];

    cvg_sim_sched_shares(64, d, 1, v, 1, s);
    NEAR(s[0], 0.5);

    d[0].cap_pct = 150;
    cvg_sim_sched_shares(64, d, 1, v, 4, s);
    for (int i = 0; i < 4; i++)
        NEAR(s[i], 0.375);

    /* A blocked vCPU uses none of the cap: the others share all of it. */
    v[3].runnable = false;
    cvg_sim_sched_shares(64, d, 1, v, 4, s);
    NEAR(s[0], 0.5);
    NEAR(s[3], 0.0);

    /* A cap above what the vCPUs can use changes nothing. */
    d[0].cap_pct = 400;
    cvg_sim_sched_shares(64, d, 1, v, 4, s);
    NEAR(s[0], 1.0);
}
END_TEST

START_TEST(test_budget_throttles_only_its_vcpu)
{
    struct cvg_sim_sched_dom d[1] = { { 0 } };
    struct cvg_sim_sched_vcpu v[2] = { busy(0, ALL), busy(0, ALL) };
    double s[2];

    v[0].limit = 0.25;
    cvg_sim_sched_shares(64, d, 1, v, 2, s);
    NEAR(s[0], 0.25);
    NEAR(s[1], 1.0);

    /* Under a cap, what the budgeted vCPU cannot use goes to the other. */
    d[0].cap_pct = 100;
    v[0].limit = 0.1;
    cvg_sim_sched_shares(64, d, 1, v, 2, s);
    NEAR(s[0], 0.1);
    NEAR(s[1], 0.9);
}
END_TEST

START_TEST(test_affinity_packing_bounds_the_group)
{
    struct cvg_sim_sched_dom d[1] = { { 0 } };
    struct cvg_sim_sched_vcpu v[3] = { busy(0, 1ull << 5), busy(0, 1ull << 5), busy(0, ALL) };
    double s[3];

    /* Two onto one pCPU: half each; the free vCPU is untouched. */
    cvg_sim_sched_shares(64, d, 1, v, 3, s);
    NEAR(s[0], 0.5);
    NEAR(s[1], 0.5);
    NEAR(s[2], 1.0);

    /* Three onto two pCPUs: two thirds each. */
    v[0].affinity = v[1].affinity = v[2].affinity = 0x3;
    cvg_sim_sched_shares(64, d, 1, v, 3, s);
    for (int i = 0; i < 3; i++)
        NEAR(s[i], 2.0 / 3.0);

    /* Nested masks: {0} inside {0,1} with three vCPUs: still fair, 2 pCPUs in all. */
    v[0].affinity = 0x1;
    cvg_sim_sched_shares(64, d, 1, v, 3, s);
    NEAR(s[0] + s[1] + s[2], 2.0);
    NEAR(s[0], 2.0 / 3.0);

    /* Packing and a cap together: the tighter one rules. */
    d[0].cap_pct = 100;
    v[0].affinity = v[1].affinity = 1ull << 5;
    v[2].affinity = ALL;
    cvg_sim_sched_shares(64, d, 1, v, 3, s);
    NEAR(s[0] + s[1] + s[2], 1.0);
    NEAR(s[2], 1.0 / 3.0);
}
END_TEST

START_TEST(test_pcpus_are_shared_between_domains)
{
    struct cvg_sim_sched_dom d[2] = { { 0 }, { .cap_pct = 20 } };
    struct cvg_sim_sched_vcpu v[3] = { busy(0, 1), busy(1, 1), busy(1, 1) };
    double s[3];

    /* Domain 1 is capped to 20 % on the shared pCPU; domain 0 takes the rest. */
    cvg_sim_sched_shares(64, d, 2, v, 3, s);
    NEAR(s[1], 0.1);
    NEAR(s[2], 0.1);
    NEAR(s[0], 0.8);

    /* Only pCPUs that exist count: 8 busy vCPUs on 4 pCPUs get half each. */
    struct cvg_sim_sched_vcpu w[8];
    double t[8];

    for (int i = 0; i < 8; i++)
        w[i] = busy(0, ALL);
    cvg_sim_sched_shares(4, d, 1, w, 8, t);
    for (int i = 0; i < 8; i++)
        NEAR(t[i], 0.5);
    /* A mask of pCPUs that do not exist leaves the vCPU without time. */
    w[0].affinity = 1ull << 10;
    cvg_sim_sched_shares(4, d, 1, w, 8, t);
    NEAR(t[0], 0.0);
    NEAR(t[1], 4.0 / 7.0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sim_sched");
    TCase *tc = tcase_create("shares");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_uncapped_busy_vcpus_get_a_pcpu_each);
    tcase_add_test(tc, test_cap_is_shared_by_runnable_vcpus);
    tcase_add_test(tc, test_budget_throttles_only_its_vcpu);
    tcase_add_test(tc, test_affinity_packing_bounds_the_group);
    tcase_add_test(tc, test_pcpus_are_shared_between_domains);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
