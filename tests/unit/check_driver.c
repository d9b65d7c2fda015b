/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libxl side of a helper (src/driver): what it does when the helper
 * goes away in the middle of the conversation.  This binary is also the
 * helper: run with libxl's save argv, it asks for the suspend callback and
 * exits without reading the answer, as a helper SIGKILLed at that moment.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/io.h"
#include "driver/driver.h"
#include "wire/ipc.h"

static int fake_helper(void)
{
    struct cvg_sink out;
    struct cvg_ipc_msg m = { .num = CVG_IPC_SUSPEND };
    struct cvg_err err = { 0 };

    cvg_sink_init_fd(&out, STDOUT_FILENO);
    return cvg_ipc_write_msg(&out, &m, &err) ? 1 : 0;
}

struct seen {
    pid_t helper;
    int suspends;
};

/* Answers only once the helper is gone: its stdin has no reader left. */
static int suspend_after_exit(void *opaque)
{
    struct seen *s = opaque;
    siginfo_t si;

    s->suspends++;
    ck_assert_int_eq(waitid(P_PID, (id_t)s->helper, &si, WEXITED | WNOWAIT), 0);
    return 1;
}

START_TEST(test_helper_gone_before_reply)
{
    struct cvg_helper_proc p;
    struct cvg_driver_result res;
    struct cvg_err err = { 0 };
    struct seen s = { 0 };
    struct cvg_driver_cbs cbs = { .suspend = suspend_after_exit, .opaque = &s };
    sigset_t pending;
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    int fd = -1;

    ck_assert_int_gt(n, 0);
    self[n] = '\0';
    /* What a caller that never heard of SIGPIPE has: the default, fatal. */
    signal(SIGPIPE, SIG_DFL);
    fd = dup(STDERR_FILENO);
    ck_assert_int_eq(cvg_driver_spawn_save(self, fd, -1, 1, 1, CVG_IPC_CBFLAGS_PLAIN_SAVE, 0,
                                           NULL, &p, &err), 0);
    s.helper = p.pid;
    cvg_driver_run(&p, &cbs, &res, &err);
    ck_assert_int_eq(s.suspends, 1);
    ck_assert(!res.ok);
    ck_assert(!res.completed);
    ck_assert_msg(strstr(res.why, "replying to suspend"), "%s", res.why);
    ck_assert_int_eq(sigpending(&pending), 0);
    ck_assert(!sigismember(&pending, SIGPIPE));
    close(fd);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("driver");
    TCase *tc = tcase_create("helper-gone");
    SRunner *sr;
    int failed;

    if (argc > 1 && !strcmp(argv[1], "--save-domain"))
        return fake_helper();
    tcase_add_test(tc, test_helper_gone_before_reply);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
