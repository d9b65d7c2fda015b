/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl-converge sim: look after the simulated hypervisor's domains, shaped
 * like xl create/list/destroy/pause/unpause.
 *
 *   xl-converge sim create SCENARIO.cfg     prints the new domid
 *   xl-converge sim list
 *   xl-converge sim info DOMID [--json]
 *   xl-converge sim destroy|pause|unpause DOMID
 *
 * The daemon is the one $XENCONVERGE_SIM names.  Errors go to stderr;
 * exit 0 on success, 1 when the operation failed, 2 on a usage error.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmds.h"
#include "config/scenario.h"
#include "hv/sim_client.h"

static const char sim_usage[] =
    "Usage: xl-converge sim <command> [args]\n"
    "\n"
    " create SCENARIO.cfg     create a simulated domain; prints its domid\n"
    " list                    list the simulated domains\n"
    " info DOMID [--json]     state, work per vCPU and memory digest of a domain\n"
    " destroy DOMID           destroy a domain\n"
    " pause DOMID             pause a domain (nestable, as xl pause)\n"
    " unpause DOMID           unpause a domain\n"
    "\n"
    "The simulator is the converge-simd serving $XENCONVERGE_SIM.\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("xl-converge sim: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(try 'xl-converge sim --help')\n", stderr);
    return 2;
}

static int parse_domid(const char *s, uint32_t *domid)
{
    char *end;
    unsigned long v;

    if (!s || !*s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v >= 0x7ff0)
        return -1;
    *domid = (uint32_t)v;
    return 0;
}

static int open_sim(struct cvg_hv **hv)
{
    const char *path = getenv("XENCONVERGE_SIM");
    struct cvg_err err = { 0 };

    if (!path || !*path) {
        fprintf(stderr, "xl-converge sim: XENCONVERGE_SIM is not set: it must name the "
                        "socket of a running converge-simd\n");
        return -1;
    }
    if (cvg_hv_open_sim(hv, path, &err)) {
        fprintf(stderr, "xl-converge sim: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static void close_sim(struct cvg_hv *hv)
{
    if (hv)
        hv->ops->close(hv);
}

/* An affinity in xl's cpulist syntax: "0-3,8". */
static void cpulist(uint64_t mask, char *out, size_t outsz)
{
    size_t len = 0;

    out[0] = '\0';
    for (int i = 0; i < 64 && len < outsz; i++) {
        int j = i;

        if (!(mask >> i & 1))
            continue;
        while (j + 1 < 64 && (mask >> (j + 1) & 1))
            j++;
        len += (size_t)snprintf(out + len, outsz - len, j > i ? "%s%d-%d" : "%s%d",
                                len ? "," : "", i, j);
        i = j;
    }
}

static const char *pattern_name(uint32_t p)
{
    return p <= CVG_PATTERN_IDLE ? cvg_pattern_name((enum cvg_pattern)p) : "?";
}

static void print_json(const struct cvg_sim_info *in, const uint8_t sha[32])
{
    char cpus[256];

    printf("{\n");
    /* Names follow the scenario rule ([A-Za-z0-9_.+-]): nothing to escape. */
    printf("  \"domid\": %u,\n  \"name\": \"%s\",\n", in->domid, in->name);
    printf("  \"paused\": %s,\n  \"pause_count\": %u,\n", in->paused ? "true" : "false",
           in->pause_count);
    printf("  \"shutdown\": %s,\n  \"shutdown_reason\": %u,\n", in->shutdown ? "true" : "false",
           in->shutdown_reason);
    printf("  \"logdirty\": %s,\n  \"cap\": %u,\n", in->logdirty ? "true" : "false", in->cap);
    printf("  \"memory_mib\": %llu,\n  \"p2m_size\": %llu,\n  \"nr_pages\": %llu,\n",
           (unsigned long long)(in->p2m_size >> 8), (unsigned long long)in->p2m_size,
           (unsigned long long)in->nr_pages);
    printf("  \"memory_sha256\": \"");
    for (int i = 0; i < 32; i++)
        printf("%02x", sha[i]);
    printf("\",\n  \"vcpus\": [");
    for (uint32_t i = 0; i < in->nr_vcpus; i++) {
        const struct cvg_sim_vcpu_state *v = &in->vcpus[i];

        cpulist(v->affinity, cpus, sizeof(cpus));
        printf("%s\n    { \"id\": %u, \"pattern\": \"%s\", \"rate_mib_s\": %.3f, "
               "\"work\": %llu, \"writes\": %llu, \"cpu_time_ns\": %llu, "
               "\"share_pct\": %.1f, \"running\": %s, \"blocked\": %s, "
               "\"budget\": { \"period_us\": %u, \"budget_us\": %u }, "
               "\"affinity\": \"%s\" }",
               i ? "," : "", v->id, pattern_name(v->pattern), v->rate_mib_s,
               (unsigned long long)v->work, (unsigned long long)v->writes,
               (unsigned long long)v->cpu_time_ns, v->share_ppm / 1e4,
               v->running ? "true" : "false", v->blocked ? "true" : "false", v->period_us,
               v->budget_us, cpus);
    }
    printf("%s]\n}\n", in->nr_vcpus ? "\n  " : "");
}

static void print_text(const struct cvg_sim_info *in, const uint8_t sha[32])
{
    char cpus[256];

    printf("domid:          %u\nname:           %s\n", in->domid, in->name);
    printf("state:          %s%s\n", in->shutdown ? "shutdown" : in->paused ? "paused" : "running",
           in->shutdown && in->shutdown_reason == CVG_SIM_SHUTDOWN_SUSPEND ? " (suspend)" : "");
    printf("pause count:    %u\n", in->pause_count);
    printf("memory:         %llu MiB (%llu of %llu pages populated)\n",
           (unsigned long long)(in->p2m_size >> 8), (unsigned long long)in->nr_pages,
           (unsigned long long)in->p2m_size);
    printf("log-dirty:      %s\n", in->logdirty ? "on" : "off");
    printf("cap:            %u%s\n", in->cap, in->cap ? "%" : " (uncapped)");
    printf("memory sha256:  ");
    for (int i = 0; i < 32; i++)
        printf("%02x", sha[i]);
    printf("\n\n%-5s %-10s %9s %14s %8s %9s %16s  %s\n", "VCPU", "Pattern", "MiB/s",
           "Work", "Share%", "Time(s)", "Budget(us)", "Affinity");
    for (uint32_t i = 0; i < in->nr_vcpus; i++) {
        const struct cvg_sim_vcpu_state *v = &in->vcpus[i];
        char budget[32];

        cpulist(v->affinity, cpus, sizeof(cpus));
        snprintf(budget, sizeof(budget), "%u/%u", v->budget_us, v->period_us);
        printf("%-5u %-10s %9.1f %14llu %8.1f %9.1f %16s  %s\n", v->id,
               pattern_name(v->pattern), v->rate_mib_s, (unsigned long long)v->work,
               v->share_ppm / 1e4, v->cpu_time_ns / 1e9, budget, cpus);
    }
}

static int cmd_info(struct cvg_hv *hv, int argc, char **argv)
{
    struct cvg_sim_info info;
    struct cvg_err err = { 0 };
    uint8_t sha[32];
    uint32_t domid = 0;
    bool json = false, have_domid = false;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (argv[i][0] == '-')
            return usage_error("info: unknown option '%s'", argv[i]);
        else if (have_domid || parse_domid(argv[i], &domid))
            return usage_error("info: '%s' is not one domid", argv[i]);
        else
            have_domid = true;
    }
    if (!have_domid)
        return usage_error("info: which domain?");
    if ((rc = cvg_sim_info(hv, domid, &info, &err)))
        goto fail;
    if ((rc = cvg_sim_digest(hv, domid, sha, &err))) {
        cvg_sim_info_release(&info);
        goto fail;
    }
    if (json)
        print_json(&info, sha);
    else
        print_text(&info, sha);
    cvg_sim_info_release(&info);
    return 0;
fail:
    fprintf(stderr, "xl-converge sim info: %s\n", err.msg);
    return 1;
}

static int cmd_list(struct cvg_hv *hv, int argc, char **argv)
{
    struct cvg_sim_list_entry *e = NULL;
    struct cvg_err err = { 0 };
    uint32_t n = 0;

    if (argc > 1)
        return usage_error("list: unexpected argument '%s'", argv[1]);
    if (cvg_sim_list(hv, &e, &n, &err)) {
        fprintf(stderr, "xl-converge sim list: %s\n", err.msg);
        return 1;
    }
    printf("%-40s %5s %7s %5s %8s %9s %s\n", "Name", "ID", "Mem", "VCPUs", "State",
           "Time(s)", "LogDirty");
    for (uint32_t i = 0; i < n; i++) {
        struct cvg_dominfo di = { 0 };
        struct cvg_err e2 = { 0 };
        char state[7] = "------";

        /* A domain destroyed meanwhile shows without a time. */
        bool have = hv->ops->dominfo(hv, e[i].domid, &di, &e2) == 0;

        if (e[i].paused)
            state[2] = 'p';
        if (e[i].shutdown)
            state[3] = 's';
        if (!e[i].paused && !e[i].shutdown)
            state[0] = 'r';
        if (have)
            printf("%-40s %5u %7llu %5u %8s %9.1f %s\n", e[i].name, e[i].domid,
                   (unsigned long long)(e[i].p2m_size >> 8), e[i].nr_vcpus, state,
                   di.cpu_time_ns / 1e9, e[i].logdirty ? "on" : "off");
        else
            printf("%-40s %5u %7llu %5u %8s %9s %s\n", e[i].name, e[i].domid,
                   (unsigned long long)(e[i].p2m_size >> 8), e[i].nr_vcpus, state, "-",
                   e[i].logdirty ? "on" : "off");
    }
    free(e);
    return 0;
}

static int cmd_create(struct cvg_hv *hv, int argc, char **argv)
{
    struct cvg_err err = { 0 };
    uint32_t domid;

    if (argc != 2 || argv[1][0] == '-')
        return usage_error("create: want exactly one SCENARIO.cfg");
    if (cvg_sim_create_scenario_file(hv, argv[1], &domid, &err)) {
        fprintf(stderr, "xl-converge sim create: %s\n", err.msg);
        return 1;
    }
    printf("%u\n", domid);
    return 0;
}

static int cmd_domid_op(struct cvg_hv *hv, int argc, char **argv)
{
    struct cvg_err err = { 0 };
    uint32_t domid;
    int rc;

    if (argc != 2 || parse_domid(argv[1], &domid))
        return usage_error("%s: want exactly one DOMID", argv[0]);
    if (!strcmp(argv[0], "destroy"))
        rc = cvg_sim_destroy(hv, domid, &err);
    else if (!strcmp(argv[0], "pause"))
        rc = hv->ops->pause(hv, domid, &err);
    else
        rc = hv->ops->unpause(hv, domid, &err);
    if (rc) {
        fprintf(stderr, "xl-converge sim %s: %s\n", argv[0], err.msg);
        return 1;
    }
    return 0;
}

int cvg_cmd_sim(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(struct cvg_hv *hv, int argc, char **argv);
    } subs[] = {
        { "create", cmd_create },
        { "list", cmd_list },
        { "info", cmd_info },
        { "destroy", cmd_domid_op },
        { "pause", cmd_domid_op },
        { "unpause", cmd_domid_op },
    };
    struct cvg_hv *hv = NULL;
    int rc;

    if (argc < 2) {
        fputs(sim_usage, stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(sim_usage, stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        if (strcmp(argv[1], subs[i].name))
            continue;
        if (open_sim(&hv))
            return 1;
        rc = subs[i].fn(hv, argc - 1, argv + 1);
        close_sim(hv);
        return rc;
    }
    return usage_error("unknown command '%s'", argv[1]);
}
