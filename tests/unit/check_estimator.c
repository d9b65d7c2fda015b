/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-vCPU dirty rates from the domain counter and vCPU run times: exact
 * recovery when run times tell vCPUs apart, the CPU-share fallback and its
 * confidence when they do not, and probes that find the writers among
 * vCPUs running in lockstep.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "policy/estimator.h"

static struct cvg_est *new_est(uint32_t n)
{
    struct cvg_est_params p;
    struct cvg_est *e = calloc(1, sizeof(*e));

    ck_assert_ptr_nonnull(e);
    cvg_est_defaults(&p);
    cvg_est_init(e, n, &p);
    return e;
}

/* A deterministic pseudo-random run fraction in [0.2, 1]. */
static double frac(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return 0.2 + 0.8 * ((*seed >> 8) & 0xffff) / 65535.0;
}

START_TEST(test_exact_recovery_when_run_times_differ)
{
    const double truth[4] = { 50000, 0, 120000, 0 };   /* pages per CPU-second */
    struct cvg_est *e = new_est(4);
    unsigned seed = 7;

    for (int w = 0; w < 40; w++) {
        double run[4], y = 0;

        for (int v = 0; v < 4; v++) {
            run[v] = 0.2 * frac(&seed);
            y += truth[v] * run[v];
        }
        cvg_est_add(e, 0.2, y, run);
    }
    cvg_est_solve(e);
    for (int v = 0; v < 4; v++) {
        ck_assert_double_eq_tol(e->r[v], truth[v], 1e-6 * 120000);
        ck_assert(!e->unsplit[v]);
        ck_assert_uint_eq(e->group_size[v], 1);
        ck_assert_double_ge(e->conf[v], 0.99);
    }
    ck_assert_double_ge(e->r2, 0.999999);
    free(e);
}
END_TEST

START_TEST(test_lockstep_falls_back_to_cpu_share)
{
    struct cvg_est *e = new_est(4);

    /* All four busy all the time; only vCPU 0 really writes 10000 pages a
     * window.  Nothing can tell them apart. */
    for (int w = 0; w < 20; w++) {
        double run[4] = { 0.2, 0.2, 0.2, 0.2 };

        cvg_est_add(e, 0.2, 10000, run);
    }
    cvg_est_solve(e);
    for (int v = 0; v < 4; v++) {
        ck_assert(e->unsplit[v]);
        ck_assert_uint_eq(e->group_size[v], 4);
        ck_assert_uint_eq(e->group[v], 0);
        /* Equal per CPU-second: the domain's 50000 pages/s split by CPU. */
        ck_assert_double_eq_tol(e->rate[v], 12500, 1e-6);
        ck_assert_double_le(e->conf[v], 0.25 + 1e-9);
    }
    ck_assert_double_lt(e->confidence, 0.3);
    free(e);
}
END_TEST

START_TEST(test_noise_lowers_confidence)
{
    struct cvg_est *clean = new_est(2), *noisy = new_est(2);
    unsigned seed = 3;

    for (int w = 0; w < 40; w++) {
        double run[2] = { 0.2 * frac(&seed), 0.2 * frac(&seed) };
        double y = 100000 * run[0];
        double wobble = (w % 2 ? 1 : -1) * 0.3 * y;

        cvg_est_add(clean, 0.2, y, run);
        cvg_est_add(noisy, 0.2, y + wobble, run);
    }
    cvg_est_solve(clean);
    cvg_est_solve(noisy);
    ck_assert_double_gt(clean->conf[0], 0.99);
    ck_assert_double_lt(noisy->conf[0], clean->conf[0] - 0.05);
    ck_assert_double_lt(noisy->r2, 0.95);
    free(clean);
    free(noisy);
}
END_TEST

START_TEST(test_idle_vcpus_dirty_nothing)
{
    struct cvg_est *e = new_est(3);
    unsigned seed = 11;

    for (int w = 0; w < 20; w++) {
        double run[3] = { 0.2 * frac(&seed), 0, 0.2 * frac(&seed) };

        cvg_est_add(e, 0.2, 30000 * run[0] + 5000 * run[2], run);
    }
    cvg_est_solve(e);
    ck_assert(e->rate[1] == 0);
    ck_assert(e->conf[1] == 1);
    ck_assert_double_eq_tol(e->r[0], 30000, 1);
    ck_assert_double_eq_tol(e->r[2], 5000, 1);
    free(e);
}
END_TEST

/*
 * A probe round against a toy domain: 8 vCPUs in lockstep, vCPUs 2 and 5
 * write (fresh windows: the counter restarts before each), the rest read.
 */
static double toy_window(const double *share, double dt, double *run)
{
    const double rate[8] = { 0, 0, 200000, 0, 0, 80000, 0, 0 };
    double y = 0;

    for (int v = 0; v < 8; v++) {
        run[v] = share[v] * dt;
        y += rate[v] * run[v];
    }
    return y;
}

START_TEST(test_probe_round_finds_the_writers)
{
    struct cvg_est *e = new_est(8);
    struct cvg_probe pr = { 0 };
    uint32_t all[8] = { 0, 1, 2, 3, 4, 5, 6, 7 }, who[8];
    unsigned windows = 0;
    double slowed = 0;

    cvg_probe_start(&pr, all, 8, CVG_PROBE_IDENTIFY, 0.04);
    for (;;) {
        double share[8], run[8], y;
        uint32_t n = cvg_probe_targets(&pr, who);

        for (int v = 0; v < 8; v++)
            share[v] = 1;
        for (uint32_t i = 0; i < n; i++) {
            share[who[i]] = 0.5;
            slowed += 0.5 * 0.05;
        }
        y = toy_window(share, 0.05, run);
        windows++;
        ck_assert_uint_lt(windows, 100);
        if (cvg_probe_window(&pr, e, 0.05, y, run))
            break;
    }
    ck_assert_uint_eq(pr.rounds, 1);
    for (int v = 0; v < 8; v++)
        ck_assert(e->has_learnt[v]);
    ck_assert_double_eq_tol(e->learnt[2], 200000, 1);
    ck_assert_double_eq_tol(e->learnt[5], 80000, 1);
    for (int v = 0; v < 8; v++)
        if (v != 2 && v != 5)
            ck_assert(e->learnt[v] == 0);
    /* Group testing: far fewer probe windows than one per vCPU and base
     * window pairs, and readers lose little time. */
    ck_assert_uint_le(windows, 2 * 8 + 1);
    ck_assert_double_lt(slowed / 8, 0.1);
    free(e);
}
END_TEST

START_TEST(test_learnt_rates_split_a_lockstep_group)
{
    struct cvg_est *e = new_est(4);

    cvg_est_learn(e, 0, 30000);
    cvg_est_learn(e, 1, 0);
    cvg_est_learn(e, 2, 10000);
    cvg_est_learn(e, 3, 0);
    for (int w = 0; w < 20; w++) {
        double run[4] = { 0.2, 0.2, 0.2, 0.2 };

        cvg_est_add(e, 0.2, 8000, run);
    }
    cvg_est_solve(e);
    /* 40000 pages/s split 3:0:1:0 as the probes said. */
    ck_assert_double_eq_tol(e->rate[0], 30000, 1e-6);
    ck_assert_double_eq_tol(e->rate[2], 10000, 1e-6);
    ck_assert(e->rate[1] == 0 && e->rate[3] == 0);
    ck_assert(!e->unsplit[0]);
    /* A new writer among learnt readers: the split no longer explains the
     * total and the group is unsplit again (CPU share, low confidence). */
    cvg_est_learn(e, 0, 0);
    cvg_est_learn(e, 2, 0);
    cvg_est_solve(e);
    ck_assert(e->unsplit[0] && e->unsplit[1]);
    free(e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("estimator");
    TCase *tc = tcase_create("regression");
    TCase *pc = tcase_create("probes");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_exact_recovery_when_run_times_differ);
    tcase_add_test(tc, test_lockstep_falls_back_to_cpu_share);
    tcase_add_test(tc, test_noise_lowers_confidence);
    tcase_add_test(tc, test_idle_vcpus_dirty_nothing);
    tcase_add_test(pc, test_probe_round_finds_the_writers);
    tcase_add_test(pc, test_learnt_rates_split_a_lockstep_group);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, pc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
