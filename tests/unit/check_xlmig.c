/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl's migration protocol pieces: the domain config that crosses the wire
 * (JSON as libxl writes it, xl.cfg text from -C), the transport command
 * xl would run and the transport itself, the helper environment.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/clock.h"
#include "xlmig/domconfig.h"
#include "xlmig/sim_backend.h"
#include "xlmig/transport.h"

static int from_json(const char *s, struct cvg_xlmig_domcfg *d, struct cvg_err *err)
{
    return cvg_xlmig_domcfg_from_json(s, strlen(s), d, err);
}

START_TEST(test_json_round_trip)
{
    struct cvg_xlmig_domcfg d = { "web-1.example", CVG_XLMIG_HVM, 65536, 4, 0 }, e;
    struct cvg_err err = { 0 };
    char *json;

    ck_assert_int_eq(cvg_xlmig_domcfg_to_json(&d, &json, &err), 0);
    ck_assert_ptr_nonnull(strstr(json, "\"c_info\""));
    ck_assert_ptr_nonnull(strstr(json, "\"type.hvm\""));
    ck_assert_ptr_null(strstr(json, "domid"));      /* xl zeroes it without -D */
    ck_assert_int_eq(from_json(json, &e, &err), 0);
    ck_assert_str_eq(e.name, d.name);
    ck_assert_int_eq(e.type, CVG_XLMIG_HVM);
    ck_assert_uint_eq(e.memkb, 65536);
    ck_assert_uint_eq(e.vcpus, 4);
    ck_assert_uint_eq(e.domid, 0);
    free(json);
    d.domid = 12;
    d.type = CVG_XLMIG_PVH;
    ck_assert_int_eq(cvg_xlmig_domcfg_to_json(&d, &json, &err), 0);
    ck_assert_int_eq(from_json(json, &e, &err), 0);
    ck_assert_uint_eq(e.domid, 12);
    ck_assert_int_eq(e.type, CVG_XLMIG_PVH);
    free(json);
}
END_TEST

START_TEST(test_json_from_libxl)
{
    /* The shape of libxl_domain_config_to_json(), trimmed: unknown keys
     * and nested objects are ignored. */
    static const char cfg[] =
        "{\n    \"c_info\": {\n        \"type\": \"hvm\",\n        \"name\": \"guest\",\n"
        "        \"uuid\": \"5d0d7b76-5b4f-4c2b-8d9f-1c1f6d0b3a11\",\n"
        "        \"run_hotplug_scripts\": \"True\"\n    },\n"
        "    \"b_info\": {\n        \"max_vcpus\": 2,\n        \"avail_vcpus\": [0, 1],\n"
        "        \"max_memkb\": 1048576,\n        \"target_memkb\": 1048576,\n"
        "        \"type.hvm\": { \"acpi\": \"True\", \"vga\": { \"kind\": \"std\" } }\n"
        "    },\n    \"disks\": [ { \"pdev_path\": \"/dev/vg/guest\" } ]\n}\n";
    struct cvg_xlmig_domcfg d;
    struct cvg_err err = { 0 };

    ck_assert_msg(from_json(cfg, &d, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(d.name, "guest");
    ck_assert_uint_eq(d.memkb, 1048576);
    ck_assert_uint_eq(d.vcpus, 2);
}
END_TEST

static void refused(const char *json, const char *what)
{
    struct cvg_xlmig_domcfg d;
    struct cvg_err err = { 0 };

    ck_assert_int_ne(from_json(json, &d, &err), 0);
    ck_assert_msg(strstr(err.msg, what) != NULL, "'%s': got '%s', wanted '%s'", json,
                  err.msg, what);
}

START_TEST(test_json_refusals)
{
    char deep[512];
    size_t n = 0;

    refused("", "not JSON");
    refused("{\"c_info\": {", "not JSON");
    refused("[1, 2]", "no c_info");
    refused("{\"c_info\": {\"name\": \"a\"}}", "no c_info and b_info");
    refused("{\"c_info\": {\"name\": \"a\"}, \"b_info\": {\"max_vcpus\": 1, "
            "\"max_memkb\": 4}} x", "data after the JSON");
    refused("{\"c_info\": {}, \"b_info\": {}}", "c_info.name");
    refused("{\"c_info\": {\"name\": \"a/b\"}, \"b_info\": {}}", "c_info.name");
    refused("{\"c_info\": {\"name\": \"-a\"}, \"b_info\": {}}", "c_info.name");
    refused("{\"c_info\": {\"name\": 5}, \"b_info\": {}}", "c_info.name");
    refused("{\"c_info\": {\"name\": \"a\", \"type\": \"xen\"}, \"b_info\": {}}",
            "c_info.type");
    refused("{\"c_info\": {\"name\": \"a\", \"domid\": 40000}, \"b_info\": {}}",
            "c_info.domid out of range");
    refused("{\"c_info\": {\"name\": \"a\"}, \"b_info\": {\"max_vcpus\": 1}}",
            "max_memkb missing");
    refused("{\"c_info\": {\"name\": \"a\"}, \"b_info\": {\"max_vcpus\": 1, "
            "\"max_memkb\": \"4\"}}", "b_info.max_memkb is not an integer");
    refused("{\"c_info\": {\"name\": \"a\"}, \"b_info\": {\"max_vcpus\": 1, "
            "\"max_memkb\": 99999999999999}}", "b_info.max_memkb out of range");
    refused("{\"c_info\": {\"name\": \"a\"}, \"b_info\": {\"max_vcpus\": 1, "
            "\"max_memkb\": 6}}", "multiple of 4 KiB");
    refused("{\"c_info\": {\"name\": \"a\"}, \"b_info\": {\"max_vcpus\": 0, "
            "\"max_memkb\": 4}}", "b_info.max_vcpus out of range");
    refused("{\"c_info\": {\"name\": \"a\"}, \"b_info\": {\"max_vcpus\": 129, "
            "\"max_memkb\": 4}}", "b_info.max_vcpus out of range");
    refused("{\"c_info\": {\"name\": \"a\"}, \"b_info\": {\"max_vcpus\": -1, "
            "\"max_memkb\": 4}}", "b_info.max_vcpus out of range");
    /* Nesting is bounded: a deep array is refused, not recursed into. */
    n += (size_t)snprintf(deep, sizeof(deep), "{\"c_info\": ");
    for (int i = 0; i < 100; i++)
        deep[n++] = '[';
    for (int i = 0; i < 100; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    deep[n] = '\0';
    refused(deep, "nesting too deep");
}
END_TEST

static int from_xlcfg(const char *s, struct cvg_xlmig_domcfg *d, struct cvg_err *err)
{
    return cvg_xlmig_domcfg_from_xlcfg(s, strlen(s), "test.cfg", d, err);
}

START_TEST(test_xlcfg)
{
    struct cvg_xlmig_domcfg d;
    struct cvg_err err = { 0 };

    ck_assert_msg(from_xlcfg("name = \"g\"\ntype = \"hvm\"\nmemory = 512\nvcpus = 2\n"
                             "disk = [ 'phy:/dev/vg/g,xvda,w' ]\n", &d, &err) == 0,
                  "%s", err.msg);
    ck_assert_str_eq(d.name, "g");
    ck_assert_int_eq(d.type, CVG_XLMIG_HVM);
    ck_assert_uint_eq(d.memkb, 512 * 1024);
    ck_assert_uint_eq(d.vcpus, 2);
    /* maxmem and maxvcpus win, as in xl; builder is the old type. */
    ck_assert_int_eq(from_xlcfg("name = \"g\"\nbuilder = \"hvm\"\nmemory = 512\n"
                                "maxmem = 1024\nvcpus = 2\nmaxvcpus = 4\n", &d, &err), 0);
    ck_assert_int_eq(d.type, CVG_XLMIG_HVM);
    ck_assert_uint_eq(d.memkb, 1024 * 1024);
    ck_assert_uint_eq(d.vcpus, 4);
    /* No type: PV, as xl says. */
    ck_assert_int_eq(from_xlcfg("name = \"g\"\nmemory = 64\n", &d, &err), 0);
    ck_assert_int_eq(d.type, CVG_XLMIG_PV);
    ck_assert_uint_eq(d.vcpus, 1);
    cvg_err_clear(&err);
    ck_assert_int_ne(from_xlcfg("memory = 64\n", &d, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "no name"));
    cvg_err_clear(&err);
    ck_assert_int_ne(from_xlcfg("name = \"g\"\ntype = \"hvm\"\n", &d, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "no memory"));
    cvg_err_clear(&err);
    ck_assert_int_ne(from_xlcfg("name = \"g\"\nmemory = 64\nvcpus = 500\n", &d, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "vcpus"));
    cvg_err_clear(&err);
    ck_assert_int_ne(from_xlcfg("name = \"g\"\nmemory = 64\ntype = \"x\"\n", &d, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "type 'x'"));
}
END_TEST

START_TEST(test_rune)
{
    struct cvg_xlmig_rune_opts o = { .host = "dst" };
    struct cvg_err err = { 0 };
    char *rune;

    ck_assert_int_eq(cvg_xlmig_rune(&o, &rune, &err), 0);
    ck_assert_str_eq(rune, "exec ssh dst xl migrate-receive");
    free(rune);
    o.ssh = "ssh -p 2222";
    o.tty = o.no_daemon = o.debug = o.paused = true;
    ck_assert_int_eq(cvg_xlmig_rune(&o, &rune, &err), 0);
    ck_assert_str_eq(rune, "exec ssh -p 2222 dst xl -t migrate-receive -e -d -p");
    free(rune);
    /* -s "": the host is the command. */
    o.ssh = "";
    o.host = "xl-converge migrate-receive --scenario s.cfg";
    ck_assert_int_eq(cvg_xlmig_rune(&o, &rune, &err), 0);
    ck_assert_str_eq(rune, o.host);
    free(rune);
    o.host = "";
    ck_assert_int_eq(cvg_xlmig_rune(&o, &rune, &err), -EINVAL);
}
END_TEST

START_TEST(test_transport)
{
    struct cvg_xlmig_transport t;
    struct cvg_err err = { 0 };
    char buf[16] = { 0 };
    uint64_t t0;
    int st;

    /* Our bytes reach its stdin, its stdout reaches us. */
    ck_assert_int_eq(cvg_xlmig_transport_start(&t, "tr a-z A-Z", &err), 0);
    ck_assert_int_eq(cvg_write_exact(t.send_fd, "hello", 5), 0);
    close(t.send_fd);
    t.send_fd = -1;
    ck_assert_int_eq(cvg_read_exact(t.recv_fd, buf, 5), 0);
    ck_assert_str_eq(buf, "HELLO");
    cvg_xlmig_transport_finish(&t, 2000, &st);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* Its exit status comes back... */
    ck_assert_int_eq(cvg_xlmig_transport_start(&t, "exit 3", &err), 0);
    cvg_xlmig_transport_finish(&t, 2000, &st);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    /* ...but a transport that does not exit is not waited for forever. */
    ck_assert_int_eq(cvg_xlmig_transport_start(&t, "exec sleep 5 </dev/null", &err), 0);
    t0 = cvg_now_ns();
    cvg_xlmig_transport_finish(&t, 100, &st);
    ck_assert_int_eq(st, -1);
    ck_assert_uint_lt(cvg_now_ns() - t0, 1000000000ull);
    kill(t.pid, SIGKILL);
    waitpid(t.pid, NULL, 0);
}
END_TEST

START_TEST(test_env_make)
{
    char *const add[] = { "XENCONVERGE_DOWNTIME_LIMIT_MS=50", NULL };
    char **env;
    int seen_dt = 0, seen_back = 0, seen_keep = 0;

    setenv("XENCONVERGE_DOWNTIME_LIMIT_MS", "900", 1);
    setenv("CVG_TEST_KEEP", "1", 1);
    setenv("CONVERGE_BACK_FD", "99", 1);
    env = cvg_xlmig_env_make(add, "CONVERGE_BACK_FD=7");
    ck_assert_ptr_nonnull(env);
    for (char **e = env; *e; e++) {
        if (!strncmp(*e, "XENCONVERGE_DOWNTIME_LIMIT_MS=", 30)) {
            ck_assert_str_eq(*e, "XENCONVERGE_DOWNTIME_LIMIT_MS=50");
            seen_dt++;
        }
        if (!strncmp(*e, "CONVERGE_BACK_FD=", 17)) {
            ck_assert_str_eq(*e, "CONVERGE_BACK_FD=7");
            seen_back++;
        }
        seen_keep += !strcmp(*e, "CVG_TEST_KEEP=1");
    }
    ck_assert_int_eq(seen_dt, 1);
    ck_assert_int_eq(seen_back, 1);
    ck_assert_int_eq(seen_keep, 1);
    cvg_xlmig_env_free(env);
    unsetenv("XENCONVERGE_DOWNTIME_LIMIT_MS");
    unsetenv("CVG_TEST_KEEP");
    unsetenv("CONVERGE_BACK_FD");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("xlmig");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_json_round_trip);
    tcase_add_test(tc, test_json_from_libxl);
    tcase_add_test(tc, test_json_refusals);
    tcase_add_test(tc, test_xlcfg);
    tcase_add_test(tc, test_rune);
    tcase_add_test(tc, test_transport);
    tcase_add_test(tc, test_env_make);
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
