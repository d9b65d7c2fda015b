/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl-converge demo: no arguments, no Xen.  Starts a private converge-simd,
 * migrates the same busy guest twice over a 100 MiB/s link — once under
 * stock Xen 4.17's rule (5 passes, then stop whatever is dirty), once under
 * ours (throttle only the vCPU that dirties, stop when what is left fits
 * the downtime limit) — and prints both outcomes side by side.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cmds.h"
#include "cli/sim_migrate.h"

/*
 * A guest whose writer out-runs the link by half again, beside a vCPU that
 * only reads: the stock rule stops after five passes with most of memory
 * still dirty; ours slows the writer alone until what is left fits the
 * 150 ms limit.
 */
static const char demo_scenario[] =
    "# xl-converge demo: a busy guest on a 100 MiB/s link\n"
    "name = \"demo-busy\"\n"
    "memory = 256\n"
    "vcpus = 2\n"
    "bandwidth = 100\n"
    "downtime_limit = 150\n"
    "max_time = 60\n"
    "seed = 7\n"
    "workload = [ \"vcpus=0,pattern=uniform,rate=150\", \"vcpus=1,pattern=read,rate=400\" ]\n";

static int wait_for_socket(const char *path, pid_t pid)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };

    if (strlen(path) >= sizeof(a.sun_path))
        return -ENAMETOOLONG;
    memcpy(a.sun_path, path, strlen(path) + 1);
    for (int i = 0; i < 100; i++) {
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int status;

        if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0) {
            close(s);
            return 0;
        }
        if (s >= 0)
            close(s);
        if (waitpid(pid, &status, WNOHANG) == pid)
            return -ECHILD;
        usleep(50 * 1000);
    }
    return -ETIMEDOUT;
}

static void row(const char *label, const struct cvg_simmig_report *r)
{
    printf("  %-12s %-10s %9" PRIu64 " ms %8" PRIu64 " ms %7u %9" PRIu64 " MiB %8.0f%% %8.0f%%   %s\n",
           label, r->ok ? (r->verified ? "verified" : "MISMATCH") : "failed",
           r->ok ? r->downtime_ms : 0, r->total_time_ms, r->iterations,
           r->bytes_sent >> 20,
           r->nr_vcpus > 0 ? r->vcpus[0].work_retained * 100 : 0,
           r->nr_vcpus > 1 ? r->vcpus[1].work_retained * 100 : 0,
           !r->ok ? r->error :
           r->downtime_ms <= r->downtime_limit_ms ? "within the limit" : "over the limit");
}

int cvg_cmd_demo(int argc, char **argv)
{
    char dir[] = "/tmp/xl-converge-demo-XXXXXX";
    char simd[4096], helper[4096], sock[64], cfg[64];
    struct cvg_simmig_report rep[2];
    struct cvg_err err = { 0 };
    const enum cvg_policy pol[2] = { CVG_POLICY_XEN_DEFAULT, CVG_POLICY_CONVERGE };
    pid_t pid = -1;
    FILE *f;
    int rc = 1;

    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "Usage: xl-converge demo\n");
        return 2;
    }
    if (cvg_find_program("converge-simd", CVG_SBINDIR, simd, sizeof(simd)) ||
        cvg_find_program("converge-helper", CVG_PKGLIBEXECDIR, helper, sizeof(helper))) {
        fprintf(stderr, "demo: converge-simd or converge-helper not found beside "
                "xl-converge nor installed\n");
        return 1;
    }
    if (!mkdtemp(dir)) {
        perror("demo: mkdtemp");
        return 1;
    }
    snprintf(sock, sizeof(sock), "%s/simd.sock", dir);
    snprintf(cfg, sizeof(cfg), "%s/demo-busy.cfg", dir);
    f = fopen(cfg, "w");
    if (!f || fputs(demo_scenario, f) < 0 || fclose(f)) {
        perror("demo: scenario file");
        goto out;
    }
    pid = fork();
    if (pid == 0) {
        execl(simd, simd, "--socket", sock, (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || wait_for_socket(sock, pid)) {
        fprintf(stderr, "demo: converge-simd did not start\n");
        goto out;
    }
    setenv("XENCONVERGE_SIM", sock, 1);
    printf("xl-converge demo: a guest writing 150 MiB/s (256 MiB, 2 vCPUs: a writer "
           "and a reader) over a 100 MiB/s link, downtime limit 150 ms\n\n");
    for (int i = 0; i < 2; i++) {
        struct cvg_simmig_opts o = {
            .scenario_path = cfg, .policy = pol[i], .helper = helper,
            .tty = isatty(STDOUT_FILENO), .progress = stdout,
        };

        printf("%s:\n", i ? "xen-converge's converge policy" : "stock Xen 4.17's rule");
        if (cvg_sim_migrate(&o, &rep[i], &err)) {
            fprintf(stderr, "demo: %s\n", err.msg);
            goto out;
        }
        cvg_simmig_print_summary(stdout, &rep[i]);
        printf("\n");
    }
    printf("  %-12s %-10s %12s %11s %7s %13s %9s %9s\n", "policy", "memory", "downtime",
           "total", "passes", "sent", "writer", "reader");
    row("xen-default", &rep[0]);
    row("converge", &rep[1]);
    printf("\n  (writer/reader: guest work each vCPU kept during the migration)\n");
    rc = rep[1].ok && rep[1].verified && rep[0].ok ? 0 : 1;
out:
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    unlink(sock);
    unlink(cfg);
    rmdir(dir);
    return rc;
}
