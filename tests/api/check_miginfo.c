/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A migration's live statistics: what engine/status.c serves on its socket
 * and what libxenconverge makes of it (lib/miginfo.h).  The reader takes
 * bytes from another process: every field is checked for type and range,
 * and anything else is refused with the field named.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/status.h"
#include "lib/miginfo.h"

static const char precopy[] =
    "{\"domid\": 5, \"pid\": 4711, \"phase\": \"precopy\", \"elapsed_ms\": 12300, "
    "\"pass\": 2, \"memory_bytes\": 4294967296, \"bytes_sent\": 4740000000, "
    "\"pass_pages_sent\": 1000, \"pass_pages_total\": 13000, \"remaining_bytes\": 54630400, "
    "\"dirty_rate_bps\": 126353408, \"bandwidth_bps\": 419430400, \"throttle_pct\": 20, "
    "\"expected_downtime_ms\": 130, \"downtime_limit_ms\": 300, \"eta_ms\": 400}\n";

START_TEST(test_a_status_record_reads_back)
{
    struct xenconverge_migration_info mi;
    struct cvg_err err = { 0 };

    ck_assert_int_eq(cvg_miginfo_parse(precopy, strlen(precopy), 5, &mi, &err), 0);
    ck_assert_uint_eq(mi.domid, 5);
    ck_assert_int_eq(mi.helper_pid, 4711);
    ck_assert_str_eq(mi.phase, "precopy");
    ck_assert_uint_eq(mi.pass, 2);
    ck_assert_uint_eq(mi.memory_bytes, 4294967296ull);
    ck_assert_uint_eq(mi.bytes_sent, 4740000000ull);
    ck_assert_uint_eq(mi.remaining_bytes, 54630400);
    ck_assert_uint_eq(mi.throttle_pct, 20);
    ck_assert_uint_eq(mi.expected_downtime_ms, 130);
    ck_assert_uint_eq(mi.downtime_limit_ms, 300);
    ck_assert_int_eq(mi.eta_ms, 400);
    ck_assert_double_eq_tol(mi.dirty_rate_mib_s, 120.5, 1e-9);
    ck_assert_double_eq_tol(mi.bandwidth_mib_s, 400, 1e-9);
}
END_TEST

START_TEST(test_bad_records_are_refused_by_field)
{
    static const struct {
        const char *text;
        const char *why;
    } bad[] = {
        { "{\"domid\": 6, \"pid\": 1, \"phase\": \"precopy\"}", "domain 6" },
        { "{\"pid\": 1, \"phase\": \"precopy\"}", "no \"domid\"" },
        { "{\"domid\": 5, \"phase\": \"precopy\"}", "no \"pid\"" },
        { "{\"domid\": 5, \"pid\": 0, \"phase\": \"precopy\"}", "\"pid\"" },
        { "{\"domid\": 5, \"pid\": 1, \"phase\": \"Pre copy\"}", "\"phase\" holds" },
        { "{\"domid\": 5, \"pid\": 1, \"phase\": \"\\u0000\"}", "\"phase\" holds byte 0" },
        { "{\"domid\": 5, \"pid\": 1, \"phase\": \"abcdefghijklmnopq\"}", "short string" },
        { "{\"domid\": 5, \"pid\": 1, \"phase\": 3}", "short string" },
        { "{\"domid\": 5, \"pid\": 1, \"phase\": \"p\", \"bytes_sent\": -1}", "\"bytes_sent\"" },
        { "{\"domid\": 5, \"pid\": 1, \"phase\": \"p\", \"pass\": \"2\"}", "\"pass\" is not" },
        { "{\"domid\": 5, \"pid\": 1, \"phase\": \"p\", \"pass\": 4294967296}", "\"pass\"" },
        { "{\"domid\": 5, \"pid\": 1, \"phase\": \"p\", \"throttle_pct\": 101}", "throttle" },
        { "{\"domid\": 5, \"pid\": 1, \"phase\": \"p\", \"eta_ms\": -2}", "\"eta_ms\"" },
        { "{\"domid\": 5, \"pid\": 1, \"phase\": \"p\"} {}", "after the object" },
        { "[5]", "not a JSON object" },
        { "{\"domid\": 5,", "not one JSON object" },
        { "", "not one JSON object" },
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct xenconverge_migration_info mi;
        struct cvg_err err = { 0 };

        ck_assert_msg(cvg_miginfo_parse(bad[i].text, strlen(bad[i].text), 5, &mi, &err) ==
                      -EPROTO, "accepted: %s", bad[i].text);
        ck_assert_msg(strstr(err.msg, bad[i].why), "'%s' refused as '%s', expected '%s'",
                      bad[i].text, err.msg, bad[i].why);
    }
}
END_TEST

START_TEST(test_oversize_record_is_refused)
{
    size_t n = CVG_MIGINFO_MAX + 1;
    char *big = malloc(n);
    struct xenconverge_migration_info mi;
    struct cvg_err err = { 0 };

    memset(big, ' ', n);
    ck_assert_int_eq(cvg_miginfo_parse(big, n, 5, &mi, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "at most"));
    free(big);
}
END_TEST

/* The helper's side and the library's, through the real socket. */
START_TEST(test_the_status_socket_serves_what_was_published)
{
    char dir[64], sock[128], cmd[256];
    struct cvg_status st;
    struct cvg_mig_stats s = {
        .now_ms = 2500, .pass = 1, .memory_bytes = 64 << 20, .bytes_sent = 80 << 20,
        .dirty_pages = 1024, .dirty_rate_pps = 2560, .bandwidth_bps = 100 << 20,
        .throttle_pct = 30,
    };
    struct xenconverge_migration_info mi;
    struct cvg_err err = { 0 };

    snprintf(dir, sizeof(dir), "/tmp/cvg-mi-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    /* A simulator's namespace (nothing listens there: only the path counts). */
    snprintf(sock, sizeof(sock), "%s/sim.sock", dir);
    setenv("XENCONVERGE_SIM", sock, 1);
    setenv("XENCONVERGE_STATUS_DIR", dir, 1);

    ck_assert_int_eq(cvg_miginfo_read(sock, 9, &mi, &err), -ESRCH);
    cvg_status_init(&st, 9, 250);
    ck_assert(st.serving);
    ck_assert_str_eq(st.handover_error, "");
    ck_assert_int_eq(cvg_miginfo_read(sock, 9, &mi, &err), 0);
    ck_assert_str_eq(mi.phase, "setup");
    ck_assert_int_eq(mi.helper_pid, getpid());
    cvg_status_publish(&st, &s, "precopy", true);
    ck_assert_int_eq(cvg_miginfo_read(sock, 9, &mi, &err), 0);
    ck_assert_str_eq(mi.phase, "precopy");
    ck_assert_uint_eq(mi.pass, 1);
    ck_assert_uint_eq(mi.bytes_sent, 80 << 20);
    ck_assert_uint_eq(mi.remaining_bytes, 1024 * 4096);
    ck_assert_double_eq_tol(mi.dirty_rate_mib_s, 10, 1e-9);
    ck_assert_double_eq_tol(mi.bandwidth_mib_s, 100, 1e-9);
    ck_assert_uint_eq(mi.throttle_pct, 30);
    ck_assert_uint_eq(mi.expected_downtime_ms, 40);
    ck_assert_uint_eq(mi.downtime_limit_ms, 250);
    /* Another domain's migration is not this one. */
    ck_assert_int_eq(cvg_miginfo_read(sock, 10, &mi, &err), -ESRCH);
    /* The file for older readers holds the same record. */
    snprintf(cmd, sizeof(cmd), "%s/migrate-9.json", dir);
    ck_assert_int_eq(access(cmd, R_OK), 0);
    cvg_status_remove(&st);
    ck_assert_int_eq(access(cmd, F_OK), -1);
    ck_assert_int_eq(cvg_miginfo_read(sock, 9, &mi, &err), -ESRCH);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("miginfo");
    TCase *tc = tcase_create("status");

    tcase_add_test(tc, test_a_status_record_reads_back);
    tcase_add_test(tc, test_bad_records_are_refused_by_field);
    tcase_add_test(tc, test_oversize_record_is_refused);
    tcase_add_test(tc, test_the_status_socket_serves_what_was_published);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
