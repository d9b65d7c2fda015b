/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scenario files: what a good file turns into, and for every class of bad
 * input, that it is refused with a message naming the file, the key and
 * the problem -- and that libxlutil's own complaints never reach stdio.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/scenario.h"

static const char *const base_lines[] = {
    "name = \"unit\"",
    "memory = 1024",
    "vcpus = 4",
    "bandwidth = 500",
    "downtime_limit = 300",
    "max_time = 60",
    "workload = [ \"vcpus=0-1,pattern=uniform,rate=800\", \"vcpus=2-3,pattern=idle\" ]",
};
#define NR_BASE (sizeof(base_lines) / sizeof(base_lines[0]))

/* The base file without the line setting `drop', plus extra lines. */
static char *cfg_with(const char *drop, const char *extra)
{
    static char buf[4096];
    size_t n = 0, i, dl = drop ? strlen(drop) : 0;

    for (i = 0; i < NR_BASE; i++) {
        if (drop && !strncmp(base_lines[i], drop, dl) && base_lines[i][dl] == ' ')
            continue;
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\n", base_lines[i]);
    }
    if (extra)
        snprintf(buf + n, sizeof(buf) - n, "%s\n", extra);
    return buf;
}

static int parse_text(const char *text, struct cvg_scenario *sc,
                      struct cvg_err *err)
{
    cvg_err_clear(err);
    return cvg_scenario_parse(text, strlen(text), "t.cfg", sc, err);
}

/* Refused, with every fragment in the message, and nothing left allocated. */
static void expect_refused(const char *text, const char *frag1, const char *frag2)
{
    struct cvg_scenario sc;
    struct cvg_err err = { 0 };
    int rc = parse_text(text, &sc, &err);

    ck_assert_msg(rc < 0, "accepted:\n%s", text);
    ck_assert_int_eq(err.code, rc);
    ck_assert_msg(!strncmp(err.msg, "t.cfg", 5), "no file name in: %s", err.msg);
    ck_assert_msg(strstr(err.msg, frag1), "`%s' not in: %s", frag1, err.msg);
    if (frag2)
        ck_assert_msg(strstr(err.msg, frag2), "`%s' not in: %s", frag2, err.msg);
    ck_assert_ptr_null(sc.workload);
    ck_assert_ptr_null(sc.phases);
}

START_TEST(test_good_file_fills_every_field)
{
    struct cvg_scenario sc;
    struct cvg_err err = { 0 };
    const char *text =
        "# a comment line\n"
        "name = \"db-1\"; memory = 2048\n"
        "vcpus = 8\n"
        "bandwidth = \"1187.5\"   # quoted decimal\n"
        "downtime_limit = 250\n"
        "max_time = 90\n"
        "seed = 18446744073709551615\n"
        "workload = [\n"
        "  \"vcpus=0-3, pattern=hotcold, rate=600, hot=5, hot_share=90\",\n"
        "  \"vcpus=4,pattern=sequential,rate=12.5\",  # trailing comma next\n"
        "  \"vcpus=5-6,pattern=zipf,rate=900\",\n"
        "  \"vcpus=7,pattern=read,rate=0\",\n"
        "]\n"
        "phases = [ \"at=10,vcpus=7,pattern=uniform,rate=100\",\n"
        "           \"at=10,vcpus=0-3,pattern=idle\",\n"
        "           \"at=30.5,vcpus=7,pattern=idle\" ]\n"
        "apply_rate = 3000\n"
        "receiver_setup_ms = 150";   /* no final newline */

    ck_assert_int_eq(parse_text(text, &sc, &err), 0);
    ck_assert_str_eq(sc.name, "db-1");
    ck_assert_uint_eq(sc.memory_mib, 2048);
    ck_assert_uint_eq(sc.vcpus, 8);
    ck_assert_double_eq(sc.bandwidth_mib_s, 1187.5);
    ck_assert_uint_eq(sc.downtime_limit_ms, 250);
    ck_assert_uint_eq(sc.max_time_s, 90);
    ck_assert_uint_eq(sc.seed, UINT64_MAX);
    ck_assert_double_eq(sc.apply_rate_mib_s, 3000);
    ck_assert_uint_eq(sc.receiver_setup_ms, 150);

    ck_assert_uint_eq(sc.nr_workload, 4);
    ck_assert_uint_eq(sc.workload[0].vcpu_first, 0);
    ck_assert_uint_eq(sc.workload[0].vcpu_last, 3);
    ck_assert_int_eq(sc.workload[0].pattern, CVG_PATTERN_HOTCOLD);
    ck_assert_double_eq(sc.workload[0].rate_mib_s, 600);
    ck_assert_double_eq(sc.workload[0].hot_pct, 5);
    ck_assert_double_eq(sc.workload[0].hot_share_pct, 90);
    ck_assert_int_eq(sc.workload[1].pattern, CVG_PATTERN_SEQUENTIAL);
    ck_assert_uint_eq(sc.workload[1].vcpu_first, 4);
    ck_assert_uint_eq(sc.workload[1].vcpu_last, 4);
    ck_assert_double_eq(sc.workload[1].rate_mib_s, 12.5);
    ck_assert_int_eq(sc.workload[2].pattern, CVG_PATTERN_ZIPF);
    ck_assert_int_eq(sc.workload[3].pattern, CVG_PATTERN_READ);
    ck_assert_double_eq(sc.workload[3].rate_mib_s, 0);

    ck_assert_uint_eq(sc.nr_phases, 3);
    ck_assert_double_eq(sc.phases[0].at_s, 10);
    ck_assert_int_eq(sc.phases[0].pattern, CVG_PATTERN_UNIFORM);
    ck_assert_int_eq(sc.phases[1].pattern, CVG_PATTERN_IDLE);
    ck_assert_uint_eq(sc.phases[1].vcpu_last, 3);
    ck_assert_double_eq(sc.phases[2].at_s, 30.5);
    cvg_scenario_free(&sc);
    ck_assert_ptr_null(sc.workload);
}
END_TEST

START_TEST(test_optional_keys_default)
{
    struct cvg_scenario sc;
    struct cvg_err err = { 0 };

    ck_assert_int_eq(parse_text(cfg_with(NULL, NULL), &sc, &err), 0);
    ck_assert_uint_eq(sc.seed, CVG_SCENARIO_DEFAULT_SEED);
    ck_assert_double_eq(sc.apply_rate_mib_s, 0);
    ck_assert_uint_eq(sc.receiver_setup_ms, 0);
    ck_assert_uint_eq(sc.nr_phases, 0);
    ck_assert_ptr_null(sc.phases);
    ck_assert_uint_eq(sc.nr_workload, 2);
    ck_assert_int_eq(sc.workload[1].pattern, CVG_PATTERN_IDLE);
    cvg_scenario_free(&sc);
}
END_TEST

START_TEST(test_list_append_extends_workload)
{
    struct cvg_scenario sc;
    struct cvg_err err = { 0 };
    const char *text = cfg_with("workload",
        "workload = [ \"vcpus=0-1,pattern=uniform,rate=1\" ]\n"
        "workload += [ \"vcpus=2-3,pattern=read,rate=2\" ]");

    ck_assert_int_eq(parse_text(text, &sc, &err), 0);
    ck_assert_uint_eq(sc.nr_workload, 2);
    ck_assert_int_eq(sc.workload[1].pattern, CVG_PATTERN_READ);
    cvg_scenario_free(&sc);
}
END_TEST

START_TEST(test_bench_scenarios_load)
{
    static const char *const files[] = {
        "idle.cfg", "light-writer.cfg", "writer-above-bandwidth.cfg",
        "hotcold.cfg", "two-writers-32vcpu.cfg", "paper-256g.cfg",
    };
    char path[1024];
    unsigned i;

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct cvg_scenario sc;
        struct cvg_err err = { 0 };

        snprintf(path, sizeof(path), "%s/bench/scenarios/%s", CVG_TOP_SRCDIR,
                 files[i]);
        ck_assert_msg(cvg_scenario_load(path, &sc, &err) == 0, "%s", err.msg);
        if (!strcmp(files[i], "two-writers-32vcpu.cfg")) {
            ck_assert_uint_eq(sc.vcpus, 32);
            ck_assert_uint_eq(sc.nr_workload, 3);
            ck_assert_uint_eq(sc.workload[2].vcpu_first, 2);
            ck_assert_uint_eq(sc.workload[2].vcpu_last, 31);
            ck_assert_int_eq(sc.workload[2].pattern, CVG_PATTERN_READ);
        }
        if (!strcmp(files[i], "hotcold.cfg")) {
            ck_assert_double_eq(sc.bandwidth_mib_s, 1187.5);
            ck_assert_uint_eq(sc.nr_phases, 1);
            ck_assert_double_eq(sc.phases[0].at_s, 20);
        }
        cvg_scenario_free(&sc);
    }
}
END_TEST

START_TEST(test_missing_file_names_it)
{
    struct cvg_scenario sc;
    struct cvg_err err = { 0 };

    ck_assert_int_eq(cvg_scenario_load("/nonexistent/x.cfg", &sc, &err), -ENOENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/x.cfg"));
}
END_TEST

START_TEST(test_unknown_key_refused)
{
    expect_refused(cfg_with(NULL, "memroy = 12"), "unknown key `memroy'",
                   "did you mean `memory'");
    expect_refused(cfg_with(NULL, "colour = \"blue\""), "t.cfg:8: unknown key `colour'",
                   NULL);
    /* libxlutil 4.17 takes dots inside keys: "bandwidth." is another key. */
    expect_refused(cfg_with("bandwidth", "bandwidth. = 500"), "unknown key `bandwidth.'",
                   "did you mean `bandwidth'");
}
END_TEST

START_TEST(test_missing_required_keys_listed)
{
    const char *text =
        "name = \"x\"\nmemory = 64\nvcpus = 1\ndowntime_limit = 300\n"
        "workload = [ \"vcpus=0,pattern=idle\" ]\n";

    expect_refused(text, "missing required keys", "bandwidth, max_time");
    expect_refused(cfg_with("workload", NULL), "missing required key: workload", NULL);
}
END_TEST

START_TEST(test_out_of_range_values)
{
    expect_refused(cfg_with("memory", "memory = 0"), "t.cfg:7: memory", "1..16777216 MiB");
    expect_refused(cfg_with("memory", "memory = 16777217"), "memory", "got 16777217");
    expect_refused(cfg_with("vcpus", "vcpus = 129"), "vcpus", "1..128");
    expect_refused(cfg_with("vcpus", "vcpus = 0"), "vcpus", "1..128");
    expect_refused(cfg_with("bandwidth", "bandwidth = 0"), "bandwidth", "> 0");
    expect_refused(cfg_with("bandwidth", "bandwidth = 2000000"), "bandwidth", "1.04858e+06");
    expect_refused(cfg_with("downtime_limit", "downtime_limit = 0"), "downtime_limit", "ms");
    expect_refused(cfg_with("max_time", "max_time = 86401"), "max_time", "1..86400 s");
    expect_refused(cfg_with(NULL, "receiver_setup_ms = 600001"), "receiver_setup_ms", NULL);
    expect_refused(cfg_with(NULL, "seed = 18446744073709551616"), "seed", NULL);
}
END_TEST

START_TEST(test_number_syntax_is_strict)
{
    /* xl's strtol(..., 0) would read these as 256 and 8. */
    expect_refused(cfg_with("memory", "memory = 0x100"), "memory",
                   "not a decimal integer");
    expect_refused(cfg_with("memory", "memory = \"010\""), "memory",
                   "not a decimal integer");
    expect_refused(cfg_with("memory", "memory = \" 64\""), "memory", NULL);
    expect_refused(cfg_with("bandwidth", "bandwidth = \"1e3\""), "bandwidth",
                   "not a decimal number");
    expect_refused(cfg_with("bandwidth", "bandwidth = \"nan\""), "bandwidth", NULL);
    expect_refused(cfg_with("bandwidth", "bandwidth = \"5.\""), "bandwidth", NULL);
}
END_TEST

START_TEST(test_value_shapes)
{
    expect_refused(cfg_with("memory", "memory = [ \"64\" ]"), "memory",
                   "single value, not a list");
    expect_refused(cfg_with("workload", "workload = \"vcpus=0-3,pattern=idle\""),
                   "workload", "must be a list");
    expect_refused(cfg_with("workload", "workload = [ [ \"vcpus=0-3,pattern=idle\" ] ]"),
                   "workload", "entry 0 is a list");
    expect_refused(cfg_with("workload", "workload = [ ]"), "workload",
                   "at least 1 entry");
    expect_refused(cfg_with("name", "name = \"has space\""), "name", "characters");
    expect_refused(cfg_with("name", "name = \"\""), "name", NULL);
    expect_refused(cfg_with("name", "name = \"a23456789012345678901234567890123456789"
                            "0123456789012345678901234\""), "name", "1..63");
}
END_TEST

START_TEST(test_set_twice_and_append_to_scalar)
{
    expect_refused(cfg_with(NULL, "memory = 2048"), "t.cfg:8: memory",
                   "set twice (first on line 2)");
    expect_refused(cfg_with(NULL, "name += \"x\""), "name", "only extends lists");
}
END_TEST

START_TEST(test_bad_workload_strings)
{
#define WL(s) cfg_with("workload", "workload = [ \"" s "\" ]")
    expect_refused(WL("vcpus=0-3,pattern=random,rate=1"), "workload[0]",
                   "unknown pattern `random'");
    expect_refused(WL("vcpus=0-3,pattern=uniform,rate=1,speed=2"), "workload[0]",
                   "unknown key `speed'");
    expect_refused(WL("vcpus=0-4,pattern=uniform,rate=1"), "vcpus=0-4",
                   "has 4 vCPUs (0-3)");
    expect_refused(WL("vcpus=3-1,pattern=uniform,rate=1"), "runs backwards", NULL);
    expect_refused(WL("vcpus=a,pattern=uniform,rate=1"), "expected N or N-M", NULL);
    expect_refused(WL("pattern=uniform,rate=1"), "missing vcpus", NULL);
    expect_refused(WL("vcpus=0-3,rate=1"), "missing pattern", NULL);
    expect_refused(WL("vcpus=0-3,pattern=uniform"), "missing rate", NULL);
    expect_refused(WL("vcpus=0-3,pattern=idle,rate=5"), "drop rate", NULL);
    expect_refused(WL("vcpus=0-3,pattern=hotcold,rate=5,hot=5"), "hotcold needs", NULL);
    expect_refused(WL("vcpus=0-3,pattern=hotcold,rate=5,hot=0,hot_share=50"),
                   "hot=0", "(0,100]");
    expect_refused(WL("vcpus=0-3,pattern=hotcold,rate=5,hot=5,hot_share=100.5"),
                   "hot_share=100.5", NULL);
    expect_refused(WL("vcpus=0-3,pattern=uniform,rate=5,hot=5"), "pattern=hotcold only",
                   NULL);
    expect_refused(WL("vcpus=0-3,pattern=uniform,rate=2000000"), "rate=2000000", NULL);
    expect_refused(WL("vcpus=0-3,pattern=uniform,rate=1,rate=2"), "`rate' given twice",
                   NULL);
    expect_refused(WL("vcpus=0-3,,pattern=uniform,rate=1"), "empty item", NULL);
    expect_refused(WL("vcpus=0-3,pattern,rate=1"), "not KEY=VALUE", NULL);
    expect_refused(WL("at=5,vcpus=0-3,pattern=idle"), "`at' belongs in phases", NULL);
#undef WL
}
END_TEST

START_TEST(test_groups_cover_each_vcpu_once)
{
    expect_refused(cfg_with("workload", "workload = [ \"vcpus=0-2,pattern=idle\", "
                            "\"vcpus=1-3,pattern=read,rate=1\" ]"),
                   "workload[1] and workload[0]", "vCPU 1");
    expect_refused(cfg_with("workload", "workload = [ \"vcpus=0-1,pattern=idle\" ]"),
                   "vCPU 2 and others are in no group", "vcpus=2,pattern=idle");
    expect_refused(cfg_with("workload", "workload = [ \"vcpus=0-2,pattern=idle\" ]"),
                   "vCPU 3 is in no group", NULL);
}
END_TEST

START_TEST(test_bad_phases)
{
    expect_refused(cfg_with(NULL, "phases = [ \"at=20,vcpus=0,pattern=idle\", "
                            "\"at=10,vcpus=1,pattern=idle\" ]"),
                   "phases[1] (at=10) comes after phases[0] (at=20)", "time order");
    expect_refused(cfg_with(NULL, "phases = [ \"at=61,vcpus=0,pattern=idle\" ]"),
                   "phases[0]: at=61 is beyond max_time (60 s)", NULL);
    expect_refused(cfg_with(NULL, "phases = [ \"at=5,vcpus=0-1,pattern=idle\", "
                            "\"at=5,vcpus=1-2,pattern=read,rate=3\" ]"),
                   "phases[0] and phases[1] both change vCPU 1 at 5 s", NULL);
    expect_refused(cfg_with(NULL, "phases = [ \"vcpus=0,pattern=idle\" ]"),
                   "phases[0]", "needs at=SECONDS");
    expect_refused(cfg_with(NULL, "phases = [ \"at=1,vcpus=9,pattern=idle\" ]"),
                   "phases[0]", "has 4 vCPUs");
}
END_TEST

/* Runs a parse with fds 1 and 2 redirected, returns what reached them. */
static size_t stdio_bytes_during_parse(const char *text, size_t len, int *rc,
                                       struct cvg_err *err)
{
    struct cvg_scenario sc;
    char tmpl[] = "/tmp/check_scenario.XXXXXX";
    int fd = mkstemp(tmpl), s1 = dup(1), s2 = dup(2);
    off_t size;

    ck_assert_int_ge(fd, 0);
    unlink(tmpl);
    fflush(stdout);
    fflush(stderr);
    dup2(fd, 1);
    dup2(fd, 2);
    *rc = cvg_scenario_parse(text, len, "t.cfg", &sc, err);
    fflush(stdout);
    fflush(stderr);
    dup2(s1, 1);
    dup2(s2, 2);
    close(s1);
    close(s2);
    size = lseek(fd, 0, SEEK_END);
    close(fd);
    cvg_scenario_free(&sc);
    return (size_t)size;
}

START_TEST(test_syntax_errors_captured_not_printed)
{
    struct cvg_err err = { 0 };
    const char *text = cfg_with("bandwidth", "bandwidth = 12.5");
    int rc;

    ck_assert_uint_eq(stdio_bytes_during_parse(text, strlen(text), &rc, &err), 0);
    ck_assert_int_eq(rc, -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "t.cfg:7: config parsing error near `.5'"));
    ck_assert_ptr_nonnull(strstr(err.msg, "quote a decimal"));

    cvg_err_clear(&err);
    text = "name = \"x\"\nmemory = \n";
    ck_assert_uint_eq(stdio_bytes_during_parse(text, strlen(text), &rc, &err), 0);
    ck_assert_int_eq(rc, -EINVAL);
    /* libxlutil's own line count for a NEWLINE token is one short. */
    ck_assert_ptr_nonnull(strstr(err.msg, "t.cfg:1: config parsing error near <newline>"));
    ck_assert_ptr_nonnull(strstr(err.msg, "syntax error"));
}
END_TEST

START_TEST(test_bytes_libxlutil_must_not_see)
{
    /* A NUL inside a quoted string makes libxlutil 4.17 abort(). */
    static const char nul[] = "name = \"a\0b\"\n";
    struct cvg_err err = { 0 };
    int rc;

    ck_assert_uint_eq(stdio_bytes_during_parse(nul, sizeof(nul) - 1, &rc, &err), 0);
    ck_assert_int_eq(rc, -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "t.cfg:1: NUL byte at offset 9"));
    expect_refused("name = \"x\"\r\nmemory = 1\r\n", "t.cfg:1: carriage return",
                   "dos2unix");
}
END_TEST

START_TEST(test_workload_parse_alone)
{
    struct cvg_workload w;
    struct cvg_err err = { 0 };

    ck_assert_int_eq(cvg_workload_parse(" vcpus = 6-7 , pattern=zipf,rate=900,at=20 ",
                                        1, 8, &w, &err), 0);
    ck_assert_uint_eq(w.vcpu_first, 6);
    ck_assert_uint_eq(w.vcpu_last, 7);
    ck_assert_int_eq(w.pattern, CVG_PATTERN_ZIPF);
    ck_assert_double_eq(w.at_s, 20);
    ck_assert_str_eq(cvg_pattern_name(w.pattern), "zipf");
    ck_assert_str_eq(cvg_pattern_name(CVG_PATTERN_HOTCOLD), "hotcold");
    /* nr_vcpus 0: only the global limit applies. */
    ck_assert_int_eq(cvg_workload_parse("vcpus=127,pattern=idle", 0, 0, &w, &err), 0);
    ck_assert_int_lt(cvg_workload_parse("vcpus=128,pattern=idle", 0, 0, &w, &err), 0);
    cvg_err_clear(&err);
    {
        char longs[400];

        memset(longs, 'x', sizeof(longs) - 1);
        longs[sizeof(longs) - 1] = '\0';
        ck_assert_int_eq(cvg_workload_parse(longs, 0, 4, &w, &err), -E2BIG);
        ck_assert_ptr_nonnull(strstr(err.msg, "longer than 256"));
    }
}
END_TEST

static Suite *scenario_suite(void)
{
    Suite *s = suite_create("scenario");
    TCase *tc = tcase_create("parse");

    tcase_add_test(tc, test_good_file_fills_every_field);
    tcase_add_test(tc, test_optional_keys_default);
    tcase_add_test(tc, test_list_append_extends_workload);
    tcase_add_test(tc, test_bench_scenarios_load);
    tcase_add_test(tc, test_missing_file_names_it);
    tcase_add_test(tc, test_unknown_key_refused);
    tcase_add_test(tc, test_missing_required_keys_listed);
    tcase_add_test(tc, test_out_of_range_values);
    tcase_add_test(tc, test_number_syntax_is_strict);
    tcase_add_test(tc, test_value_shapes);
    tcase_add_test(tc, test_set_twice_and_append_to_scalar);
    tcase_add_test(tc, test_bad_workload_strings);
    tcase_add_test(tc, test_groups_cover_each_vcpu_once);
    tcase_add_test(tc, test_bad_phases);
    tcase_add_test(tc, test_syntax_errors_captured_not_printed);
    tcase_add_test(tc, test_bytes_libxlutil_must_not_see);
    tcase_add_test(tc, test_workload_parse_alone);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(scenario_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
