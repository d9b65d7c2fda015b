/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl-converge sim-migrate SCENARIO [--policy P] [--json REPORT] [-v]
 *
 * Migrates a simulated guest described by SCENARIO (xl.cfg syntax) on the
 * converge-simd at $XENCONVERGE_SIM, through the real helpers and a real
 * socket, with live progress and a report.  Exit status 0 when the guest
 * arrived and its memory was verified, 1 otherwise (the report says why;
 * after a failure the guest runs on at the source).
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmds.h"
#include "cli/sim_migrate.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: xl-converge sim-migrate SCENARIO [--policy converge|xen-default] "
            "[--json REPORT] [--helper PATH] [-v]\n");
}

void cvg_simmig_print_summary(FILE *f, const struct cvg_simmig_report *r)
{
    fprintf(f, "%s (%s): %s", r->scenario, r->policy,
            r->ok ? (r->verified ? "migrated, memory verified" : "migrated, memory MISMATCH")
                  : "FAILED");
    if (r->ok)
        fprintf(f, "; downtime %" PRIu64 " ms (limit %u ms), %" PRIu64 " ms in all, "
                "%u passes, %" PRIu64 " MiB sent%s\n", r->downtime_ms, r->downtime_limit_ms,
                r->total_time_ms, r->iterations, r->bytes_sent >> 20,
                r->converged ? "" : ", forced by a limit");
    else
        fprintf(f, ": %s; the guest %s at the source\n", r->error,
                r->source_running ? "keeps running" : "is NOT running");
}

int cvg_cmd_sim_migrate(int argc, char **argv)
{
    static const struct option opts[] = {
        { "policy", required_argument, NULL, 'P' },
        { "json", required_argument, NULL, 'j' },
        { "helper", required_argument, NULL, 'H' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct cvg_simmig_opts o = { .policy = CVG_POLICY_CONVERGE, .progress = stdout };
    struct cvg_simmig_report rep;
    struct cvg_err err = { 0 };
    const char *json = NULL;
    char helper[4096];
    int opt;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "P:j:H:vh", opts, NULL)) != -1) {
        switch (opt) {
        case 'P':
            if (cvg_policy_parse(optarg, &o.policy)) {
                fprintf(stderr, "sim-migrate: unknown policy '%s' (converge, xen-default, "
                        "auto-converge, dirty-limit)\n", optarg);
                return 2;
            }
            break;
        case 'j':
            json = optarg;
            break;
        case 'H':
            o.helper = optarg;
            break;
        case 'v':
            o.verbose = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    o.scenario_path = argv[optind];
    if (!o.helper) {
        if (cvg_find_program("converge-helper", CVG_PKGLIBEXECDIR, helper, sizeof(helper))) {
            fprintf(stderr, "sim-migrate: converge-helper not found beside xl-converge "
                    "nor in %s (use --helper)\n", CVG_PKGLIBEXECDIR);
            return 1;
        }
        o.helper = helper;
    }
    o.tty = isatty(STDOUT_FILENO);
    if (cvg_sim_migrate(&o, &rep, &err)) {
        fprintf(stderr, "sim-migrate: %s\n", err.msg);
        return 1;
    }
    cvg_simmig_print_summary(stdout, &rep);
    if (json && cvg_simmig_report_write(&rep, json, &err)) {
        fprintf(stderr, "sim-migrate: %s\n", err.msg);
        return 1;
    }
    return rep.ok && rep.verified ? 0 : 1;
}
