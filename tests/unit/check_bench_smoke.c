/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The virtual-time benchmark's smoke test (the suite itself is
 * bench/run-suite, not part of `make check`): one tiny scenario under every
 * policy, twice each.  Same seed, byte-identical reports; stock Xen stops
 * after its five live passes.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/scenario.h"
#include "vtime/model.h"
#include "vtime/report.h"

/* 64 MiB, a writer twice as fast as the link, a reader. */
static const char tiny[] =
    "name = \"tiny\"\nmemory = 64\nvcpus = 2\nbandwidth = 100\n"
    "downtime_limit = 100\nmax_time = 60\nseed = 99\n"
    "workload = [ \"vcpus=0,pattern=uniform,rate=200\", "
    "\"vcpus=1,pattern=read,rate=300\" ]\n";

static char *report(const struct cvg_scenario *sc, enum cvg_policy_kind k,
                    struct cvg_vt_result *r)
{
    struct cvg_vt_opts o;
    struct cvg_vt_report_info info = { sc->name, cvg_policy_kind_name(k), "budget",
                                       sc->seed, false, NAN };
    struct cvg_err err = { 0 };
    char *buf = NULL;
    size_t len = 0;
    FILE *f;

    cvg_vt_opts_init(&o, sc, k);
    ck_assert_msg(cvg_vt_run(sc, &o, r, &err) == 0, "%s", err.msg);
    f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(cvg_vt_report_json(f, &info, r), 0);
    ck_assert_int_eq(fclose(f), 0);
    return buf;
}

START_TEST(test_every_policy_is_deterministic)
{
    static const enum cvg_policy_kind kinds[] = {
        CVG_POLICY_KIND_XEN_DEFAULT, CVG_POLICY_KIND_AUTO_CONVERGE,
        CVG_POLICY_KIND_DIRTY_LIMIT, CVG_POLICY_KIND_CONVERGE,
    };
    struct cvg_vt_result *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    struct cvg_scenario sc;
    struct cvg_err err = { 0 };

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_msg(cvg_scenario_parse(tiny, strlen(tiny), "tiny", &sc, &err) == 0, "%s",
                  err.msg);
    for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        char *x = report(&sc, kinds[i], a), *y = report(&sc, kinds[i], b);

        ck_assert_msg(strcmp(x, y) == 0, "%s: two runs differ", cvg_policy_kind_name(kinds[i]));
        ck_assert_ptr_nonnull(strstr(x, "\"verified\": null"));
        ck_assert(a->completed || a->aborted);
        if (kinds[i] == CVG_POLICY_KIND_XEN_DEFAULT) {
            /* Stock 4.17: five live passes, then whatever is dirty. */
            ck_assert_uint_eq(a->live_passes, 5);
            ck_assert_uint_eq(a->iterations, 6);
            ck_assert(a->completed && !a->converged);
            ck_assert_uint_gt(a->downtime_ms, a->downtime_limit_ms);
        } else if (kinds[i] == CVG_POLICY_KIND_CONVERGE) {
            ck_assert(a->completed && a->converged);
            ck_assert_uint_le(a->downtime_ms, a->downtime_limit_ms);
        }
        free(x);
        free(y);
    }
    /* Another seed, another run (the seed is not ignored). */
    sc.seed = 100;
    {
        char *x = report(&sc, CVG_POLICY_KIND_CONVERGE, a);

        sc.seed = 99;
        char *y = report(&sc, CVG_POLICY_KIND_CONVERGE, b);

        ck_assert(strcmp(x, y) != 0);
        free(x);
        free(y);
    }
    cvg_scenario_free(&sc);
    free(a);
    free(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bench-smoke");
    TCase *tc = tcase_create("tiny");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_every_policy_is_deterministic);
    tcase_set_timeout(tc, 20);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
