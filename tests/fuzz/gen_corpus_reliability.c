/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gen-corpus-reliability DIR: writes the seed corpora of fuzz_guard_msg,
 * fuzz_helper_args, fuzz_tunables_env and fuzz_xl_migrate under DIR (the
 * repository's tests/fuzz/corpus): what a helper tells its guardian in a
 * throttled save, libxl's argv of both modes and its delegated cases, a
 * caller's environment with our settings among others, and the four xl
 * migrate messages with a wrong byte or two.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/io.h"
#include "guardian/guard_msg.h"
#include "wire/cvg_records.h"
#include "wire/xl_migrate.h"

static int put_file(const char *dir, const char *target, const char *name, const void *data,
                    size_t len)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, target);
    if (mkdir(path, 0755) && errno != EEXIST)
        return -1;
    snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
        perror(path);
        return -1;
    }
    return 0;
}

static size_t frames(uint8_t *out, const struct cvg_guard_msg *m, size_t n)
{
    size_t len = 0;

    for (size_t i = 0; i < n; i++)
        len += cvg_guard_msg_encode(&m[i], out + len);
    return len;
}

static int guard_msg(const char *dir)
{
    static uint8_t buf[16 * CVG_GUARD_FRAME_MAX];
    const struct cvg_guard_msg throttled[] = {
        { .type = CVG_GMSG_LOGDIRTY, .a = 0 },
        { .type = CVG_GMSG_CAP, .a = 150 },
        { .type = CVG_GMSG_BUDGET, .vcpu = 1, .a = 10000, .b = 7000 },
        { .type = CVG_GMSG_AFFINITY, .vcpu = 0, .nwords = 1, .map = { 0x3 } },
        { .type = CVG_GMSG_PAUSE },
        { .type = CVG_GMSG_RELEASE, .a = CVG_GUARD_PAUSE },
        { .type = CVG_GMSG_SUSPEND, .a = CVG_GUARD_BY_LIBXL },
        { .type = CVG_GMSG_RELEASE, .a = CVG_GUARD_CAP },
        { .type = CVG_GMSG_RELEASE, .a = CVG_GUARD_LOGDIRTY },
        { .type = CVG_GMSG_HANDED_OVER },
    };
    const struct cvg_guard_msg failed[] = {
        { .type = CVG_GMSG_LOGDIRTY, .a = 0 },
        { .type = CVG_GMSG_AFFINITY, .vcpu = 127, .nwords = 16,
          .map = { ~0ull, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, ~0ull } },
        { .type = CVG_GMSG_SUSPEND, .a = CVG_GUARD_BY_HELPER },
        { .type = CVG_GMSG_BYE },
    };
    const struct cvg_guard_msg replies[] = {
        { .type = CVG_GMSG_READY, .a = 0 },
        { .type = CVG_GMSG_READY, .a = 13, .text = "cannot open the hypervisor: denied" },
        { .type = CVG_GMSG_RESTORED, .a = 4, .b = 1 },
    };
    size_t n;
    int rc = 0;

    n = frames(buf, throttled, sizeof(throttled) / sizeof(throttled[0]));
    rc |= put_file(dir, "guard_msg", "throttled-save-handed-over", buf, n);
    /* Cut inside the budget frame: the guardian must wait for the rest. */
    rc |= put_file(dir, "guard_msg", "cut-in-a-frame", buf, 30);
    n = frames(buf, failed, sizeof(failed) / sizeof(failed[0]));
    rc |= put_file(dir, "guard_msg", "widest-affinity-then-bye", buf, n);
    n = frames(buf, replies, sizeof(replies) / sizeof(replies[0]));
    rc |= put_file(dir, "guard_msg", "guardian-replies", buf, n);
    return rc;
}

static int helper_args(const char *dir)
{
    static const char save[] = "--save-domain\0" "7\0" "0\0" "5\0" "1\0" "136\0" "0";
    static const char restore[] = "--restore-domain\0" "7\0" "1\0" "6\0" "1\0" "0\0"
                                  "2\0" "0\0" "768\0" "0";
    static const char remus[] = "--save-domain\0" "7\0" "8\0" "5\0" "1\0" "1174\0" "1";
    static const char bad[] = "--save-domain\0" "7\0" "-1\0" "99999999999\0" "x\0" "136";
    int rc = 0;

    rc |= put_file(dir, "helper_args", "save-live", save, sizeof(save) - 1);
    rc |= put_file(dir, "helper_args", "restore-plain", restore, sizeof(restore) - 1);
    rc |= put_file(dir, "helper_args", "save-remus", remus, sizeof(remus) - 1);
    rc |= put_file(dir, "helper_args", "save-bad-numbers", bad, sizeof(bad) - 1);
    return rc;
}

static int tunables_env(const char *dir)
{
    static const char good[] =
        "PATH=/usr/sbin:/usr/bin\n"
        "XENCONVERGE_DOWNTIME_LIMIT_MS=300\n"
        "XENCONVERGE_POLICY=auto-converge\n"
        "XENCONVERGE_ON_TIMEOUT=switchover\n"
        "XENCONVERGE_THROTTLE_MAX_PCT=99\n"
        "XENCONVERGE_STOCK_HELPER=/usr/lib/xen-4.17/bin/libxl-save-helper.stock\n"
        "XENCONVERGE_SIM=/run/simd.sock\n";
    static const char typos[] =
        "XENCONVERGE_DOWNTIME_LIMT_MS=5\n"
        "XENCONVERGE_bandwidth_mib_s=10\n";
    static const char bounds[] =
        "XENCONVERGE_MAX_PASSES=18446744073709551616\n"
        "XENCONVERGE_THROTTLE_INITIAL_PCT=0\n";
    int rc = 0;

    rc |= put_file(dir, "tunables_env", "caller-environment", good, sizeof(good) - 1);
    rc |= put_file(dir, "tunables_env", "typos", typos, sizeof(typos) - 1);
    rc |= put_file(dir, "tunables_env", "out-of-bounds", bounds, sizeof(bounds) - 1);
    return rc;
}

static int xl_migrate(const char *dir)
{
    char buf[128];
    int rc = 0;

    rc |= put_file(dir, "xl_migrate", "banner", CVG_XLM_BANNER, cvg_xlm_len(CVG_XLM_MSG_BANNER));
    rc |= put_file(dir, "xl_migrate", "ready", CVG_XLM_READY, cvg_xlm_len(CVG_XLM_MSG_READY));
    rc |= put_file(dir, "xl_migrate", "go", CVG_XLM_GO, cvg_xlm_len(CVG_XLM_MSG_GO));
    memcpy(buf, CVG_XLM_REPORT, cvg_xlm_len(CVG_XLM_MSG_REPORT));
    buf[cvg_xlm_len(CVG_XLM_MSG_REPORT)] = 0;
    rc |= put_file(dir, "xl_migrate", "report-ok", buf, cvg_xlm_len(CVG_XLM_MSG_REPORT) + 1);
    buf[cvg_xlm_len(CVG_XLM_MSG_REPORT)] = 3;
    rc |= put_file(dir, "xl_migrate", "report-failed", buf, cvg_xlm_len(CVG_XLM_MSG_REPORT) + 1);
    snprintf(buf, sizeof(buf), "bash: xl: command not found\n");
    rc |= put_file(dir, "xl_migrate", "shell-complaint", buf, strlen(buf));
    /* a late HELLO_ACK and SWITCHOVER_ACK in front of the ready message,
     * as a destination helper writes them */
    {
        const struct cvg_hello_ack ha = { .proto = 1, .caps = 7, .domid = 12 };
        const struct cvg_switchover_ack sa = { .ready = true, .pages_applied = 9 };
        struct cvg_sink k;

        cvg_sink_init_mem(&k);
        if (cvg_write_hello_ack(&k, &ha, NULL) || cvg_write_switchover_ack(&k, &sa, NULL) ||
            cvg_sink_write(&k, CVG_XLM_READY, cvg_xlm_len(CVG_XLM_MSG_READY), NULL))
            rc |= -1;
        else
            rc |= put_file(dir, "xl_migrate", "late-hello-ack-ready", k.buf, k.len);
        cvg_sink_free(&k);
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen-corpus-reliability DIR\n");
        return 2;
    }
    return guard_msg(argv[1]) || helper_args(argv[1]) || tunables_env(argv[1]) ||
           xl_migrate(argv[1]) ? 1 : 0;
}
