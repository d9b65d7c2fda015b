/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* What a test that fails half-way must not leave behind. */
static pid_t running_daemon = -1;
static char running_sock[128];

static void kill_daemon(void)
{
    if (running_daemon > 0) {
        kill(running_daemon, SIGKILL);
        waitpid(running_daemon, NULL, 0);
        running_daemon = -1;
        unlink(running_sock);
    }
}

uint64_t harness_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void harness_sleep_ms(unsigned ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

void harness_start(struct simd_proc *p)
{
    static bool hooked;
    pid_t parent = getpid();
    uint64_t deadline;
    int fd;

    memset(p, 0, sizeof(*p));
    /* A unique name straight in /tmp (no directory to leave behind): the
     * placeholder file goes, the daemon binds its socket there. */
    snprintf(p->sock, sizeof(p->sock), "/tmp/cvg-simd-XXXXXX.sock");
    fd = mkstemps(p->sock, 5);
    ck_assert_int_ge(fd, 0);
    close(fd);
    unlink(p->sock);
    if (!hooked) {
        atexit(kill_daemon);
        hooked = true;
    }
    p->pid = fork();
    ck_assert_int_ge(p->pid, 0);
    if (p->pid == 0) {
        /* Check ends a failed test's process with _exit(): no teardown, no
         * atexit.  SIGTERM then makes the daemon stop and remove its socket. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        execl(CVG_SIMD_PATH, "converge-simd", "--socket", p->sock, (char *)NULL);
        fprintf(stderr, "exec %s: %s\n", CVG_SIMD_PATH, strerror(errno));
        _exit(127);
    }
    running_daemon = p->pid;
    memcpy(running_sock, p->sock, sizeof(running_sock));
    deadline = harness_now_ns() + 10000000000ull;
    for (;;) {
        struct cvg_hv *hv = NULL;
        struct cvg_err err = { 0 };

        if (cvg_hv_open_sim(&hv, p->sock, &err) == 0) {
            hv->ops->close(hv);
            return;
        }
        ck_assert_msg(harness_now_ns() < deadline, "converge-simd did not come up: %s",
                      err.msg);
        ck_assert_int_eq(waitpid(p->pid, NULL, WNOHANG), 0);
        harness_sleep_ms(20);
    }
}

void harness_stop(struct simd_proc *p)
{
    int status = 0;
    pid_t r = 0;

    if (p->pid <= 0)
        return;
    kill(p->pid, SIGTERM);
    for (int i = 0; i < 1000 && (r = waitpid(p->pid, &status, WNOHANG)) == 0; i++)
        harness_sleep_ms(10);
    if (r == 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, &status, 0);
    }
    running_daemon = -1;
    p->pid = -1;
    unlink(p->sock);
    ck_assert_msg(r != 0, "converge-simd did not exit within 10 s of SIGTERM");
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "converge-simd ended with status 0x%x (sanitizer report or crash?)", status);
}

struct cvg_hv *harness_hv(const struct simd_proc *p)
{
    struct cvg_hv *hv = NULL;
    struct cvg_err err = { 0 };

    ck_assert_msg(cvg_hv_open_sim(&hv, p->sock, &err) == 0, "open: %s", err.msg);
    return hv;
}

void harness_close(struct cvg_hv *hv)
{
    if (hv)
        hv->ops->close(hv);
}

uint32_t harness_create(struct cvg_hv *hv, const char *scenario)
{
    struct cvg_err err = { 0 };
    uint32_t domid = 0;

    ck_assert_msg(cvg_sim_create_scenario(hv, scenario, strlen(scenario), "test.cfg", &domid,
                                          &err) == 0, "create: %s", err.msg);
    return domid;
}

const char *harness_scenario(char *buf, size_t len, unsigned memory_mib, unsigned vcpus,
                             const char *workload, const char *extra)
{
    snprintf(buf, len,
             "name = \"t\"\nmemory = %u\nvcpus = %u\nbandwidth = 100\ndowntime_limit = 300\n"
             "max_time = 60\nworkload = [ %s ]\n%s",
             memory_mib, vcpus, workload, extra ? extra : "");
    return buf;
}

void harness_work_over(struct cvg_hv *hv, uint32_t domid, unsigned ms, uint64_t *work,
                       uint64_t *cpu_ns, uint32_t nr_vcpus, double *elapsed_s)
{
    struct cvg_sim_truth a, b;
    struct cvg_err err = { 0 };

    ck_assert_msg(cvg_sim_truth(hv, domid, &a, &err) == 0, "truth: %s", err.msg);
    harness_sleep_ms(ms);
    ck_assert_msg(cvg_sim_truth(hv, domid, &b, &err) == 0, "truth: %s", err.msg);
    ck_assert_uint_eq(a.nr_vcpus, nr_vcpus);
    for (uint32_t i = 0; i < nr_vcpus; i++) {
        work[i] = b.vcpus[i].work - a.vcpus[i].work;
        if (cpu_ns)
            cpu_ns[i] = b.vcpus[i].cpu_time_ns - a.vcpus[i].cpu_time_ns;
    }
    if (elapsed_s)
        *elapsed_s = (double)(b.now_ns - a.now_ns) / 1e9;
    cvg_sim_truth_release(&a);
    cvg_sim_truth_release(&b);
}
