/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helper tunables: defaults, the config file, the environment and their
 * precedence; every bad value refused naming where it came from.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/tunables.h"

static char tmpfile_path[64];

/* Writes text to a fresh temporary file; returns its path. */
static const char *write_tmp(const char *text)
{
    FILE *f;
    int fd;

    snprintf(tmpfile_path, sizeof(tmpfile_path), "/tmp/check_tunables.XXXXXX");
    fd = mkstemp(tmpfile_path);
    ck_assert_int_ge(fd, 0);
    f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return tmpfile_path;
}

START_TEST(test_defaults)
{
    struct cvg_tunables t;
    unsigned i;

    cvg_tunables_init(&t);
    ck_assert_uint_eq(cvg_tun_downtime_limit_ms(&t), 300);
    ck_assert_uint_eq(cvg_tun_bandwidth_mib_s(&t), 0);
    ck_assert_uint_eq(cvg_tun_max_time_s(&t), 0);
    ck_assert_uint_eq(cvg_tun_max_passes(&t), 0);
    ck_assert_int_eq(cvg_tun_on_timeout(&t), CVG_ON_TIMEOUT_ABORT);
    ck_assert_int_eq(cvg_tun_policy(&t), CVG_POLICY_CONVERGE);
    ck_assert_uint_eq(cvg_tun_refresh_interval_ms(&t), 5000);
    ck_assert_uint_eq(cvg_tun_throttle_trigger_pct(&t), 50);
    ck_assert_uint_eq(cvg_tun_throttle_initial_pct(&t), 20);
    ck_assert_uint_eq(cvg_tun_throttle_increment_pct(&t), 10);
    ck_assert_uint_eq(cvg_tun_throttle_max_pct(&t), 99);
    ck_assert_uint_eq(cvg_tun_dirty_limit_mib_s(&t), 1);
    ck_assert_uint_eq(cvg_tun_dirty_limit_period_ms(&t), 1000);
    ck_assert_str_eq(cvg_tun_stock_helper(&t), CVG_STOCK_HELPER);
    for (i = 0; i < CVG_TUN__COUNT; i++) {
        ck_assert_int_eq(t.src[i], CVG_TUN_SRC_DEFAULT);
        /* Every knob carries its reason. */
        ck_assert_uint_gt(strlen(cvg_tun_reason((enum cvg_tun)i)), 20);
    }
}
END_TEST

START_TEST(test_file_values)
{
    struct cvg_tunables t;
    struct cvg_err err = { 0 };
    const char *text =
        "# site policy\n"
        "downtime_limit_ms = 500\n"
        "policy = \"auto-converge\"; on_timeout = \"switchover\"\n"
        "bandwidth_mib_s = \"800\"\n"
        "stock_helper = \"/usr/lib/xen-4.17/bin/libxl-save-helper.orig\"\n";

    cvg_tunables_init(&t);
    ck_assert_int_eq(cvg_tunables_apply_text(&t, text, strlen(text), "c.cfg", &err), 0);
    ck_assert_uint_eq(cvg_tun_downtime_limit_ms(&t), 500);
    ck_assert_int_eq(cvg_tun_policy(&t), CVG_POLICY_AUTO_CONVERGE);
    ck_assert_int_eq(cvg_tun_on_timeout(&t), CVG_ON_TIMEOUT_SWITCHOVER);
    ck_assert_uint_eq(cvg_tun_bandwidth_mib_s(&t), 800);
    ck_assert_str_eq(cvg_tun_stock_helper(&t),
                     "/usr/lib/xen-4.17/bin/libxl-save-helper.orig");
    ck_assert_int_eq(t.src[CVG_TUN_DOWNTIME_LIMIT_MS], CVG_TUN_SRC_FILE);
    ck_assert_int_eq(t.src[CVG_TUN_MAX_PASSES], CVG_TUN_SRC_DEFAULT);
    ck_assert_str_eq(t.file, "c.cfg");
}
END_TEST

START_TEST(test_env_over_file_over_default)
{
    struct cvg_tunables t;
    struct cvg_err err = { 0 };
    const char *path = write_tmp("downtime_limit_ms = 500\nmax_passes = 30\n");
    char *envp[] = {
        "PATH=/usr/bin",
        "XENCONVERGE_DOWNTIME_LIMIT_MS=700",
        "XENCONVERGE_POLICY=dirty-limit",
        "XENCONVERGE_SIM=/run/converge-simd.sock",    /* not a tunable: ignored */
        NULL,
    };

    ck_assert_int_eq(cvg_tunables_load(&t, path, envp, &err), 0);
    ck_assert_uint_eq(cvg_tun_downtime_limit_ms(&t), 700);
    ck_assert_int_eq(t.src[CVG_TUN_DOWNTIME_LIMIT_MS], CVG_TUN_SRC_ENV);
    ck_assert_uint_eq(cvg_tun_max_passes(&t), 30);
    ck_assert_int_eq(t.src[CVG_TUN_MAX_PASSES], CVG_TUN_SRC_FILE);
    ck_assert_int_eq(cvg_tun_policy(&t), CVG_POLICY_DIRTY_LIMIT);
    ck_assert_uint_eq(cvg_tun_refresh_interval_ms(&t), 5000);
    ck_assert_int_eq(t.src[CVG_TUN_REFRESH_INTERVAL_MS], CVG_TUN_SRC_DEFAULT);
    unlink(path);
}
END_TEST

START_TEST(test_config_file_from_environment)
{
    struct cvg_tunables t;
    struct cvg_err err = { 0 };
    const char *path = write_tmp("ack_timeout_ms = 1234\n");
    char var[128];
    char *envp[] = { var, NULL };
    char *missing[] = { "XENCONVERGE_CONFIG=/nonexistent/converge.cfg", NULL };

    snprintf(var, sizeof(var), "XENCONVERGE_CONFIG=%s", path);
    ck_assert_int_eq(cvg_tunables_load(&t, NULL, envp, &err), 0);
    ck_assert_uint_eq(cvg_tun_ack_timeout_ms(&t), 1234);
    ck_assert_str_eq(t.file, path);
    unlink(path);

    /* Named explicitly, it must exist. */
    ck_assert_int_eq(cvg_tunables_load(&t, NULL, missing, &err), -ENOENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/converge.cfg"));
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_tunables_load(&t, "/nonexistent/x.cfg", NULL, &err), -ENOENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/x.cfg"));
}
END_TEST

START_TEST(test_absent_default_file_is_fine)
{
    struct cvg_tunables t;
    struct cvg_err err = { 0 };
    char *envp[] = { NULL };

    if (access(CVG_TUNABLES_DEFAULT_FILE, F_OK) == 0)
        return;         /* a real site file: nothing to learn here */
    ck_assert_int_eq(cvg_tunables_load(&t, NULL, envp, &err), 0);
    ck_assert_str_eq(t.file, "");
    ck_assert_uint_eq(cvg_tun_downtime_limit_ms(&t), 300);
}
END_TEST

static void expect_file_refused(const char *text, const char *frag1,
                                const char *frag2)
{
    struct cvg_tunables t, before;
    struct cvg_err err = { 0 };

    cvg_tunables_init(&t);
    before = t;
    ck_assert_int_lt(cvg_tunables_apply_text(&t, text, strlen(text), "c.cfg", &err), 0);
    ck_assert_msg(strstr(err.msg, frag1), "`%s' not in: %s", frag1, err.msg);
    if (frag2)
        ck_assert_msg(strstr(err.msg, frag2), "`%s' not in: %s", frag2, err.msg);
    /* All or nothing: the good lines of a bad file are not applied either. */
    ck_assert_int_eq(memcmp(&t, &before, sizeof(t)), 0);
}

START_TEST(test_bad_file_values)
{
    expect_file_refused("max_passes = 3\ndowntime_limit_ms = 0\n",
                        "c.cfg:2: downtime_limit_ms", "1..2000000 ms");
    expect_file_refused("policy = \"fast\"\n", "c.cfg:1: policy",
                        "converge, xen-default, auto-converge or dirty-limit");
    expect_file_refused("throttle_max_pct = 100\n", "throttle_max_pct", "1..99");
    expect_file_refused("stock_helper = \"libxl-save-helper\"\n", "stock_helper",
                        "absolute path");
    expect_file_refused("downtime_limit = 300\n", "c.cfg:1: unknown key `downtime_limit'",
                        "did you mean `downtime_limit_ms'");
    expect_file_refused("bandwidth_mib_s = 0x10\n", "bandwidth_mib_s",
                        "not a decimal integer");
    expect_file_refused("max_time_s = [ \"1\" ]\n", "max_time_s", "not a list");
    expect_file_refused("policy = \"converge\"\npolicy = \"xen-default\"\n",
                        "c.cfg:2: policy", "set twice");
    expect_file_refused("policy = \"converge\n", "c.cfg:1", "lexical error");
}
END_TEST

static void expect_env_refused(char *var, const char *frag1, const char *frag2)
{
    struct cvg_tunables t, before;
    struct cvg_err err = { 0 };
    char *envp[] = { "XENCONVERGE_MAX_PASSES=9", var, NULL };

    cvg_tunables_init(&t);
    before = t;
    ck_assert_int_lt(cvg_tunables_apply_env(&t, envp, &err), 0);
    ck_assert_msg(strstr(err.msg, frag1), "`%s' not in: %s", frag1, err.msg);
    if (frag2)
        ck_assert_msg(strstr(err.msg, frag2), "`%s' not in: %s", frag2, err.msg);
    ck_assert_int_eq(memcmp(&t, &before, sizeof(t)), 0);
}

START_TEST(test_bad_environment)
{
    expect_env_refused("XENCONVERGE_POLICY=fast", "XENCONVERGE_POLICY: policy",
                       "is not one of");
    expect_env_refused("XENCONVERGE_DOWNTIME_LIMIT_MS=-5", "XENCONVERGE_DOWNTIME_LIMIT_MS",
                       "not a decimal integer");
    expect_env_refused("XENCONVERGE_DOWNTIME_LIMIT_MS=", "XENCONVERGE_DOWNTIME_LIMIT_MS",
                       NULL);
    expect_env_refused("XENCONVERGE_DOWNTIME_LIMIT=500", "XENCONVERGE_DOWNTIME_LIMIT",
                       "did you mean `downtime_limit_ms'");
    expect_env_refused("XENCONVERGE_downtime_limit_ms=500", "unknown tunable",
                       "UPPER CASE");
    expect_env_refused("XENCONVERGE_THROTTLE_INITIAL_PCT=0", "throttle_initial_pct",
                       "1..99 %");
}
END_TEST

START_TEST(test_cross_checks_after_all_sources)
{
    struct cvg_tunables t;
    struct cvg_err err = { 0 };
    const char *path = write_tmp("throttle_max_pct = 30\n");
    char *envp[] = { "XENCONVERGE_THROTTLE_INITIAL_PCT=40", NULL };

    ck_assert_int_eq(cvg_tunables_load(&t, path, envp, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "throttle_initial_pct (40, environment) "
                                          "exceeds throttle_max_pct (30, file)"));
    unlink(path);
}
END_TEST

START_TEST(test_set_from_option)
{
    struct cvg_tunables t;
    struct cvg_err err = { 0 };
    enum cvg_tun id;

    cvg_tunables_init(&t);
    ck_assert_int_eq(cvg_tun_lookup("refresh_interval_ms", &id), 0);
    ck_assert_int_eq(id, CVG_TUN_REFRESH_INTERVAL_MS);
    ck_assert_int_eq(cvg_tun_lookup("refresh", &id), -ENOENT);
    ck_assert_int_eq(cvg_tunables_set(&t, id, "0", CVG_TUN_SRC_ENV, "--refresh", &err), 0);
    ck_assert_uint_eq(cvg_tun_refresh_interval_ms(&t), 0);
    ck_assert_int_eq(cvg_tunables_set(&t, id, "3600001", CVG_TUN_SRC_ENV, "--refresh",
                                      &err), -ERANGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "--refresh: refresh_interval_ms"));
    ck_assert_uint_eq(cvg_tun_refresh_interval_ms(&t), 0);
}
END_TEST

START_TEST(test_dump_shows_value_source_and_reason)
{
    struct cvg_tunables t;
    struct cvg_err err = { 0 };
    const char *path = write_tmp("max_passes = 12\n");
    char *envp[] = { "XENCONVERGE_DOWNTIME_LIMIT_MS=700", NULL };
    char *out = NULL, line[256];
    size_t len = 0;
    FILE *f;
    unsigned i;

    ck_assert_int_eq(cvg_tunables_load(&t, path, envp, &err), 0);
    f = open_memstream(&out, &len);
    ck_assert_int_eq(cvg_tunables_dump(&t, f), 0);
    fclose(f);
    for (i = 0; i < CVG_TUN__COUNT; i++)
        ck_assert_msg(strstr(out, cvg_tun_name((enum cvg_tun)i)), "%s missing",
                      cvg_tun_name((enum cvg_tun)i));
    ck_assert_ptr_nonnull(strstr(out, "env XENCONVERGE_DOWNTIME_LIMIT_MS"));
    snprintf(line, sizeof(line), "max_passes             = 12             # file %s",
             path);
    ck_assert_msg(strstr(out, line), "no `%s' in:\n%s", line, out);
    ck_assert_ptr_nonnull(strstr(out, "policy                 = \"converge\"     # default"));
    ck_assert_ptr_nonnull(strstr(out, cvg_tun_reason(CVG_TUN_THROTTLE_MAX_PCT)));
    free(out);
    unlink(path);
}
END_TEST

static Suite *tunables_suite(void)
{
    Suite *s = suite_create("tunables");
    TCase *tc = tcase_create("sources");

    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_file_values);
    tcase_add_test(tc, test_env_over_file_over_default);
    tcase_add_test(tc, test_config_file_from_environment);
    tcase_add_test(tc, test_absent_default_file_is_fine);
    tcase_add_test(tc, test_bad_file_values);
    tcase_add_test(tc, test_bad_environment);
    tcase_add_test(tc, test_cross_checks_after_all_sources);
    tcase_add_test(tc, test_set_from_option);
    tcase_add_test(tc, test_dump_shows_value_source_and_reason);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tunables_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
